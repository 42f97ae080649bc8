package com.d3.webhooks.signing;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * The JDK's own Ed25519 (RFC 8032), with keys in the raw 32-byte forms the Standard Webhooks
 * spec serializes: the private key's seed, and the public key's encoded point.
 */
final class Ed25519 {

    static final int KEY_BYTES = 32;
    static final int SIGNATURE_BYTES = 64;
    private static final String ALGORITHM = "Ed25519";
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows it. */
    private static final byte[] PUBLIC_KEY_INFO_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
            0x03, 0x21, 0x00};

    private Ed25519() {
    }

    /**
     * The 32 raw bytes of a key serialized as {@code prefix} and standard base64. Messages never
     * repeat the text: it may be a private key.
     *
     * @throws IllegalArgumentException naming {@code what} and the expected form
     */
    static byte[] decode(String text, String prefix, String what) {
        java.util.Objects.requireNonNull(text, what);
        String expected = what + " must be " + prefix + " and " + KEY_BYTES + " bytes in standard base64 ("
                + (prefix.length() + 44) + " characters)";
        if (!text.startsWith(prefix)) {
            throw new IllegalArgumentException(expected + "; it does not start with " + prefix);
        }
        byte[] raw;
        try {
            raw = java.util.Base64.getDecoder().decode(text.substring(prefix.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(expected + "; the rest is not valid base64");
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalArgumentException(expected + "; it decodes to " + raw.length + " bytes");
        }
        return raw;
    }

    static String encode(String prefix, byte[] raw) {
        return prefix + java.util.Base64.getEncoder().encodeToString(raw);
    }

    /** A new key pair: its seed and its raw public key. */
    static byte[][] generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
            byte[] seed = ((java.security.interfaces.EdECPrivateKey) pair.getPrivate()).getBytes()
                    .orElseThrow(() -> new IllegalStateException("the JDK's Ed25519 key has no seed"));
            byte[] info = pair.getPublic().getEncoded();
            return new byte[][] {seed, Arrays.copyOfRange(info, PUBLIC_KEY_INFO_PREFIX.length, info.length)};
        } catch (GeneralSecurityException e) {
            throw missing(e);
        }
    }

    static PrivateKey privateKey(byte[] seed) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519,
                    seed));
        } catch (GeneralSecurityException e) {
            throw missing(e);
        }
    }

    /** @throws IllegalArgumentException when the bytes are no point of the curve */
    static PublicKey publicKey(byte[] raw) {
        byte[] info = Arrays.copyOf(PUBLIC_KEY_INFO_PREFIX, PUBLIC_KEY_INFO_PREFIX.length + raw.length);
        System.arraycopy(raw, 0, info, PUBLIC_KEY_INFO_PREFIX.length, raw.length);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(info));
        } catch (java.security.spec.InvalidKeySpecException e) {
            throw new IllegalArgumentException("not an Ed25519 public key");
        } catch (GeneralSecurityException e) {
            throw missing(e);
        }
    }

    /** The signature of the message given in parts, as if they were one array. */
    static byte[] sign(PrivateKey key, byte[]... parts) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            for (byte[] part : parts) {
                s.update(part);
            }
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw missing(e);
        }
    }

    /** False for any signature that does not verify, malformed ones included. */
    static boolean verify(PublicKey key, byte[] signature, byte[]... parts) {
        if (signature.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            for (byte[] part : parts) {
                s.update(part);
            }
            return s.verify(signature);
        } catch (java.security.SignatureException | java.security.InvalidKeyException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw missing(e);
        }
    }

    private static IllegalStateException missing(GeneralSecurityException e) {
        return new IllegalStateException("this Java runtime's Ed25519 failed (every JDK since 15 has it): "
                + e.getClass().getSimpleName(), e);
    }
}
