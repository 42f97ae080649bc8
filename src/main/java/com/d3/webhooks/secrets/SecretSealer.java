package com.d3.webhooks.secrets;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals endpoint secrets and static header values at rest with AES-256-GCM, in the same column
 * they are stored in:
 * {@code sealed:v2:<key id>:<base64 of 12-byte nonce + ciphertext + 16-byte tag>}. The key id
 * (8 hex digits derived from the key) says which key sealed a value, so a missing or wrong key
 * is reported as such instead of as a failed decryption.
 * <p>
 * A v2 value is bound to where it lives ({@link SealedPlace}): the additional authenticated data
 * names the endpoint id and the column, or the header's name, so a value copied to another
 * endpoint, column or header does not open. One copy is
 * accepted: a value sealed for an endpoint's {@code secret} opens in its {@code previous_secret},
 * because that is how a rotation moves it (docs/operators.md, by SQL, without the key). The
 * reverse, an old secret brought back as the current one, does not open. Values of the first
 * format, {@code sealed:v1:}, were bound to nothing; they still open, and the sweep re-seals them
 * as v2.
 * <p>
 * Keys come from the environment: {@value #KEY_VARIABLE} (32 random bytes in base64, from
 * {@code outbox secrets new-key}) seals and opens; {@value #OLD_KEYS_VARIABLE} (comma-separated)
 * only opens, for a rotation in progress. Plain text (a secret the dashboard's backend wrote by
 * SQL) opens as itself until the worker seals it.
 * <p>
 * No message or {@code toString} ever contains a key, a secret or a sealed value.
 */
public final class SecretSealer {

    public static final String KEY_VARIABLE = "OUTBOX_SECRET_KEY";
    public static final String OLD_KEYS_VARIABLE = "OUTBOX_SECRET_KEYS_OLD";
    public static final String PREFIX = "sealed:";
    static final String V1 = "sealed:v1:";
    static final String V2 = "sealed:v2:";
    static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** The additional data of v1 values: their purpose, but not their endpoint or column. */
    private static final byte[] V1_AAD = "d3-webhook-outbox:webhook_endpoints.secret:v1".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SealingKey current;
    private final Map<String, SealingKey> byId;

    private SecretSealer(SealingKey current, List<SealingKey> old) {
        this.current = current;
        this.byId = new LinkedHashMap<>();
        if (current != null) {
            byId.put(current.id, current);
        }
        for (SealingKey k : old) {
            byId.putIfAbsent(k.id, k);
        }
    }

    /** No keys: opens plain text only; seals nothing. */
    public static SecretSealer none() {
        return new SecretSealer(null, List.of());
    }

    /** One key that seals and opens. */
    public static SecretSealer of(String base64Key) {
        return new SecretSealer(SealingKey.parse(base64Key, KEY_VARIABLE), List.of());
    }

    /**
     * From {@value #KEY_VARIABLE} and {@value #OLD_KEYS_VARIABLE}; {@link #none()} when neither is
     * set.
     *
     * @throws IllegalArgumentException when a key is malformed (the message never shows it)
     */
    public static SecretSealer fromEnvironment(Map<String, String> env) {
        String key = env.get(KEY_VARIABLE);
        SealingKey current = key == null || key.isBlank() ? null : SealingKey.parse(key.trim(), KEY_VARIABLE);
        List<SealingKey> old = new ArrayList<>();
        String olds = env.get(OLD_KEYS_VARIABLE);
        if (olds != null && !olds.isBlank()) {
            String[] parts = olds.split(",");
            for (int i = 0; i < parts.length; i++) {
                old.add(SealingKey.parse(parts[i].trim(), OLD_KEYS_VARIABLE + " (key " + (i + 1) + ")"));
            }
        }
        if (current == null && !old.isEmpty()) {
            throw new IllegalArgumentException(OLD_KEYS_VARIABLE + " is set but " + KEY_VARIABLE + " is not: "
                    + "old keys only open secrets; the current key seals them");
        }
        return new SecretSealer(current, old);
    }

    /** A new random key in the form {@value #KEY_VARIABLE} expects. */
    public static String newKey() {
        byte[] k = new byte[KEY_BYTES];
        RANDOM.nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    public boolean canSeal() {
        return current != null;
    }

    /** The id of the sealing key, if there is one. */
    public Optional<String> keyId() {
        return Optional.ofNullable(current).map(k -> k.id);
    }

    public boolean canOpen(String keyId) {
        return byId.containsKey(keyId);
    }

    public static boolean isSealed(String stored) {
        return stored != null && stored.startsWith(PREFIX);
    }

    /** The key id of a sealed value, or empty for plain text or a malformed sealed value. */
    public static Optional<String> keyIdOf(String stored) {
        String version = versionOf(stored);
        if (version == null) {
            return Optional.empty();
        }
        int end = stored.indexOf(':', version.length());
        return end < 0 ? Optional.empty() : Optional.of(stored.substring(version.length(), end));
    }

    /** True for a value sealed in the first format, bound to no endpoint or column. */
    public static boolean isUnbound(String stored) {
        return stored != null && stored.startsWith(V1);
    }

    /** The prefix of values sealed with the current key in the current format; empty without a key. */
    public Optional<String> currentPrefix() {
        return keyId().map(id -> V2 + id + ":");
    }

    /** True when the value is plain text, sealed with another key, or sealed unbound. */
    public boolean needsSealing(String stored) {
        return stored != null && current != null && !stored.startsWith(currentPrefix().orElseThrow());
    }

    /** Seals a plain-text secret with the current key, bound to its endpoint and column. */
    public String seal(String plaintext, long endpointId, SecretColumn column) {
        return seal(plaintext, SealedPlace.of(endpointId, column));
    }

    /** Seals a plain-text value with the current key, bound to {@code place}. */
    public String seal(String plaintext, SealedPlace place) {
        if (current == null) {
            throw new IllegalStateException(KEY_VARIABLE + " is not set: secrets cannot be sealed");
        }
        if (isSealed(plaintext)) {
            throw new IllegalArgumentException("the value is already sealed");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, current, nonce, place.additionalData());
            byte[] sealed = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return V2 + current.id + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM: " + e.getMessage(), e);
        }
    }

    /**
     * A value to store in {@code place}: sealed when this sealer has a key; without one as given
     * (null stays null), as the dashboard's backend stores it, and the worker seals it later.
     */
    public String sealIfKeyed(String plaintext, SealedPlace place) {
        return plaintext == null || current == null ? plaintext : seal(plaintext, place);
    }

    /**
     * A value stored in {@code from}, to be stored in {@code to} (a rotation moving the current
     * credential to its previous column): opened and sealed for {@code to} with a key, else as it is.
     *
     * @throws IllegalArgumentException as {@link #open(String, SealedPlace)}
     */
    public String moveIfKeyed(String stored, SealedPlace from, SealedPlace to) {
        return current == null ? stored : seal(open(stored, from), to);
    }

    /**
     * The secret as stored in {@code column} of endpoint {@code endpointId}, opened: sealed values
     * are decrypted, plain text is returned as is.
     *
     * @throws IllegalArgumentException saying which key is missing, that the value was sealed for
     *                                  another place, or that it is corrupt
     */
    public String open(String stored, long endpointId, SecretColumn column) {
        return open(stored, SealedPlace.of(endpointId, column));
    }

    /**
     * A value as stored in {@code place}, opened: sealed values are decrypted, plain text is
     * returned as is.
     *
     * @throws IllegalArgumentException as {@link #open(String, long, SecretColumn)}
     */
    public String open(String stored, SealedPlace place) {
        if (!isSealed(stored)) {
            return stored;
        }
        String version = versionOf(stored);
        Optional<String> id = keyIdOf(stored);
        if (id.isEmpty()) {
            throw new IllegalArgumentException("sealed " + place.what()
                    + " has an unknown format (expected sealed:v2:<key id>:...)");
        }
        SealingKey key = byId.get(id.get());
        if (key == null) {
            throw new IllegalArgumentException(place.what() + " is sealed with key id " + id.get()
                    + ", which this process does not have (" + describeKeys() + ")");
        }
        byte[] in;
        try {
            in = Base64.getDecoder().decode(stored.substring(version.length() + id.get().length() + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sealed " + place.what() + " (key id " + id.get()
                    + ") is corrupt: not base64");
        }
        if (in.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("sealed " + place.what() + " (key id " + id.get()
                    + ") is corrupt: too short");
        }
        if (version.equals(V1)) {
            return decrypt(key, in, V1_AAD).orElseThrow(() -> new IllegalArgumentException("sealed " + place.what()
                    + " (key id " + id.get() + ") does not open with that key: it was altered, or sealed with a "
                    + "different key that has the same id"));
        }
        Optional<String> opened = decrypt(key, in, place.additionalData());
        if (opened.isEmpty() && place.alsoOpensAs().isPresent()) {
            opened = decrypt(key, in, place.alsoOpensAs().get().additionalData());
        }
        return opened.orElseThrow(() -> new IllegalArgumentException("the sealed " + place.what()
                + " of endpoint " + place.endpointId() + " does not open there (key id " + id.get() + "): it was "
                + "sealed for another endpoint or " + place.kind() + " and copied, it was altered, or it was sealed "
                + "with a different key that has the same id"));
    }

    /** Empty when the tag does not match: another key, other additional data, or altered bytes. */
    private static Optional<String> decrypt(SealingKey key, byte[] in, byte[] aad) {
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, key, java.util.Arrays.copyOf(in, NONCE_BYTES), aad);
            return Optional.of(new String(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8));
        } catch (javax.crypto.AEADBadTagException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM: " + e.getMessage(), e);
        }
    }

    private static String versionOf(String stored) {
        if (stored == null) {
            return null;
        }
        return stored.startsWith(V2) ? V2 : stored.startsWith(V1) ? V1 : null;
    }

    /** "OUTBOX_SECRET_KEY has key id 1a2b3c4d; old keys 9f8e7d6c" or "no OUTBOX_SECRET_KEY set". */
    public String describeKeys() {
        if (current == null) {
            return "no " + KEY_VARIABLE + " set";
        }
        List<String> old = byId.keySet().stream().filter(id -> !id.equals(current.id)).toList();
        return KEY_VARIABLE + " has key id " + current.id + (old.isEmpty() ? "" : "; old keys " + String.join(", ", old));
    }

    @Override
    public String toString() {
        return "SecretSealer[" + describeKeys() + "]";
    }

    private static Cipher cipher(int mode, SealingKey key, byte[] nonce, byte[] aad) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, key.spec, new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(aad);
        return c;
    }
}
