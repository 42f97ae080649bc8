package com.d3.webhooks.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.spec.SecretKeySpec;

/** An AES-256 key of the {@link SecretSealer} and its id, which is not secret. */
final class SealingKey {
    final SecretKeySpec spec;
    final String id;

    private SealingKey(byte[] bytes) {
        this.spec = new SecretKeySpec(bytes, "AES");
        this.id = idOf(bytes);
    }

    static SealingKey parse(String base64, String name) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not valid base64: expected " + SecretSealer.KEY_BYTES
                    + " random bytes in standard base64 (44 characters), e.g. from 'outbox secrets new-key'");
        }
        if (bytes.length != SecretSealer.KEY_BYTES) {
            throw new IllegalArgumentException(name + " decodes to " + bytes.length + " bytes: expected "
                    + SecretSealer.KEY_BYTES + " (an AES-256 key, 44 base64 characters), e.g. from 'outbox secrets new-key'");
        }
        return new SealingKey(bytes);
    }

    /** Not secret: the first 4 bytes of SHA-256 over a label and the key. */
    private static String idOf(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("d3-webhook-outbox key id".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(key), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
