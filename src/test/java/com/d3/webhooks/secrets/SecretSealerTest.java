package com.d3.webhooks.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretSealerTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private final String key = SecretSealer.newKey();
    private final SecretSealer sealer = SecretSealer.of(key);

    @Test
    void sealsIntoTheDocumentedFormAndOpensBack() {
        String sealed = sealer.seal(SECRET, 1, SecretColumn.SECRET);

        assertTrue(sealed.matches("sealed:v2:[0-9a-f]{8}:[A-Za-z0-9+/]+=*"), sealed);
        assertEquals(sealer.keyId(), SecretSealer.keyIdOf(sealed));
        assertFalse(sealed.contains(SECRET));
        assertEquals(SECRET, sealer.open(sealed, 1, SecretColumn.SECRET));
    }

    @Test
    void aSealedValueOpensOnlyForItsEndpointAndColumnOrAsThePreviousSecretOfItsEndpoint() {
        String secret = sealer.seal(SECRET, 7, SecretColumn.SECRET);
        String previous = sealer.seal(SECRET, 7, SecretColumn.PREVIOUS_SECRET);

        assertEquals(SECRET, sealer.open(secret, 7, SecretColumn.PREVIOUS_SECRET), "a rotation moves it there");
        var otherEndpoint = assertThrows(IllegalArgumentException.class,
                () -> sealer.open(secret, 8, SecretColumn.SECRET));
        assertTrue(otherEndpoint.getMessage().startsWith("the sealed secret of endpoint 8 does not open there (key id "
                + sealer.keyId().orElseThrow() + ")"), otherEndpoint.getMessage());
        var backAsCurrent = assertThrows(IllegalArgumentException.class,
                () -> sealer.open(previous, 7, SecretColumn.SECRET));
        assertTrue(backAsCurrent.getMessage().startsWith("the sealed secret of endpoint 7 does not open there"));
        assertThrows(IllegalArgumentException.class, () -> sealer.open(previous, 8, SecretColumn.PREVIOUS_SECRET));
    }

    @Test
    void eachSealUsesAFreshNonce() {
        assertNotEquals(sealer.seal(SECRET, 1, SecretColumn.SECRET), sealer.seal(SECRET, 1, SecretColumn.SECRET));
    }

    @Test
    void plainTextOpensAsItselfSoUnsealedRowsStillSign() {
        assertEquals(SECRET, sealer.open(SECRET, 1, SecretColumn.SECRET));
        assertEquals(SECRET, SecretSealer.none().open(SECRET, 1, SecretColumn.SECRET));
        assertTrue(sealer.needsSealing(SECRET));
        assertFalse(sealer.needsSealing(sealer.seal(SECRET, 1, SecretColumn.SECRET)));
    }

    @Test
    void aMissingKeyIsNamedByItsIdNeverShown() {
        String sealed = sealer.seal(SECRET, 1, SecretColumn.SECRET);

        var noKey = assertThrows(IllegalArgumentException.class,
                () -> SecretSealer.none().open(sealed, 1, SecretColumn.SECRET));
        assertEquals("secret is sealed with key id " + sealer.keyId().orElseThrow() + ", which this process does "
                + "not have (no OUTBOX_SECRET_KEY set)", noKey.getMessage());

        SecretSealer other = SecretSealer.of(SecretSealer.newKey());
        var wrongKey = assertThrows(IllegalArgumentException.class, () -> other.open(sealed, 1, SecretColumn.SECRET));
        assertTrue(wrongKey.getMessage().contains("OUTBOX_SECRET_KEY has key id " + other.keyId().orElseThrow()),
                wrongKey.getMessage());
        for (String m : new String[] {noKey.getMessage(), wrongKey.getMessage(), other.toString()}) {
            assertFalse(m.contains(SECRET) || m.contains(key) || m.contains(sealed.substring(19)), m);
        }
    }

    @Test
    void anAlteredValueDoesNotOpen() {
        String sealed = sealer.seal(SECRET, 1, SecretColumn.SECRET);
        byte[] raw = Base64.getDecoder().decode(sealed.substring(19));
        raw[raw.length - 1] ^= 1;
        String altered = sealed.substring(0, 19) + Base64.getEncoder().encodeToString(raw);

        var e = assertThrows(IllegalArgumentException.class, () -> sealer.open(altered, 1, SecretColumn.SECRET));
        assertTrue(e.getMessage().startsWith("the sealed secret of endpoint 1 does not open there"), e.getMessage());
    }

    @Test
    void duringARotationOldKeysOpenAndTheCurrentKeySeals() {
        String sealedWithOld = sealer.seal(SECRET, 1, SecretColumn.SECRET);
        String newKey = SecretSealer.newKey();
        SecretSealer rotating = SecretSealer.fromEnvironment(Map.of(SecretSealer.KEY_VARIABLE, newKey,
                SecretSealer.OLD_KEYS_VARIABLE, key));

        assertEquals(SECRET, rotating.open(sealedWithOld, 1, SecretColumn.SECRET));
        assertTrue(rotating.needsSealing(sealedWithOld), "re-sealed with the new key by the sweep");
        assertEquals(SecretSealer.of(newKey).keyId(),
                SecretSealer.keyIdOf(rotating.seal(SECRET, 1, SecretColumn.SECRET)));
    }

    @Test
    void malformedKeysAreRefusedWithoutBeingEchoed() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> SecretSealer.fromEnvironment(Map.of(SecretSealer.KEY_VARIABLE, shortKey)));
        assertEquals("OUTBOX_SECRET_KEY decodes to 16 bytes: expected 32 (an AES-256 key, 44 base64 characters), "
                + "e.g. from 'outbox secrets new-key'", e.getMessage());
        var notBase64 = assertThrows(IllegalArgumentException.class,
                () -> SecretSealer.fromEnvironment(Map.of(SecretSealer.KEY_VARIABLE, "not a key!")));
        assertFalse(notBase64.getMessage().contains("not a key!"));
        assertFalse(SecretSealer.fromEnvironment(Map.of()).canSeal());
    }
}
