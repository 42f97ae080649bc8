package com.d3.webhooks.signing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC signature formats, and the text both Standard Webhooks schemes sign. The signer and the verifier both compute through here, so the
 * sending and receiving sides cannot drift apart.
 */
final class Signatures {

    static final String D3_PREFIX = "sha256=";
    static final String STANDARD_WEBHOOKS_PREFIX = "v1,";

    /**
     * {@code Mac.getInstance} walks the provider list on every call; one instance per thread is
     * reused instead ({@code Mac} is not thread-safe, and {@code init} resets it).
     */
    private static final ThreadLocal<Mac> HMAC_SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no HmacSHA256, which every JDK must provide", e);
        }
    });

    private Signatures() {
    }

    /** {@code sha256=<lowercase hex HMAC-SHA256(secret text as UTF-8, body)>}. */
    static String d3(WebhookSecret secret, byte[] body) {
        return D3_PREFIX + HexFormat.of().formatHex(mac(secret.d3Key()).doFinal(body));
    }

    /** {@code v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>}, streamed without copying the body. */
    static String standardWebhooks(WebhookSecret secret, String webhookId, String timestamp, byte[] body) {
        Mac mac = mac(secret.standardWebhooksKey());
        mac.update(signedPrefix(webhookId, timestamp));
        return STANDARD_WEBHOOKS_PREFIX + Base64.getEncoder().encodeToString(mac.doFinal(body));
    }

    /** {@code "<id>.<timestamp>."}: what both Standard Webhooks schemes sign before the body. */
    static byte[] signedPrefix(String webhookId, String timestamp) {
        return (webhookId + '.' + timestamp + '.').getBytes(StandardCharsets.UTF_8);
    }

    private static Mac mac(SecretKeySpec key) {
        Mac mac = HMAC_SHA256.get();
        try {
            mac.init(key);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 refused a non-empty key", e);
        }
        return mac;
    }
}
