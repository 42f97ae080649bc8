package com.d3.webhooks.signing;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.spec.SecretKeySpec;

/**
 * One endpoint signing secret, parsed once so the hot path never decodes it again.
 * <p>
 * Two text forms are accepted: {@code whsec_} followed by standard base64 (the Standard
 * Webhooks serialization; the HMAC key is the decoded bytes), or any other non-blank string,
 * whose UTF-8 bytes are the key. {@code X-D3-Signature} is GitHub style and always keys the
 * HMAC with the whole text as UTF-8, prefix included, so a receiver can pass the secret exactly
 * as shown to {@code openssl dgst -sha256 -hmac "$SECRET"}.
 * <p>
 * {@link #toString()} never shows the secret; {@link #revealText()} is the one deliberate way out.
 */
public final class WebhookSecret {

    public static final String PREFIX = "whsec_";
    /** 256 bits, the HMAC-SHA256 output size; the Standard Webhooks spec asks for at least 24 bytes. */
    public static final int GENERATED_KEY_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String HMAC_SHA256 = "HmacSHA256";

    private final String text;
    private final SecretKeySpec standardWebhooksKey;
    private final SecretKeySpec d3Key;

    private WebhookSecret(String text, byte[] standardWebhooksKey) {
        this.text = text;
        this.standardWebhooksKey = new SecretKeySpec(standardWebhooksKey, HMAC_SHA256);
        this.d3Key = new SecretKeySpec(text.getBytes(StandardCharsets.UTF_8), HMAC_SHA256);
    }

    /** Parses a secret as stored or configured; messages never repeat the secret itself. */
    public static WebhookSecret parse(String text) {
        Objects.requireNonNull(text, "webhook secret");
        if (text.isBlank()) {
            throw new IllegalArgumentException("webhook secret is empty: expected " + PREFIX
                    + "<base64> or any other non-blank text");
        }
        if (!text.startsWith(PREFIX)) {
            return new WebhookSecret(text, text.getBytes(StandardCharsets.UTF_8));
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("webhook secret starts with " + PREFIX
                    + " but the rest is not valid standard base64 (A-Z a-z 0-9 + / and '=' padding)");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("webhook secret " + PREFIX + " has no key after the prefix");
        }
        return new WebhookSecret(text, key);
    }

    /** A new random {@code whsec_} secret of {@value #GENERATED_KEY_BYTES} bytes. */
    public static WebhookSecret generate() {
        byte[] key = new byte[GENERATED_KEY_BYTES];
        RANDOM.nextBytes(key);
        return new WebhookSecret(PREFIX + Base64.getEncoder().encodeToString(key), key);
    }

    /** The secret as stored and as shown to the customer once; handle with care. */
    public String revealText() {
        return text;
    }

    SecretKeySpec standardWebhooksKey() {
        return standardWebhooksKey;
    }

    SecretKeySpec d3Key() {
        return d3Key;
    }

    /** Never the secret: these objects end up in log lines and exception messages. */
    @Override
    public String toString() {
        return "WebhookSecret[redacted]";
    }
}
