package com.d3.webhooks.signing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The signing headers of one delivery attempt.
 *
 * @param webhookId        the event id, sent as {@code webhook-id}
 * @param timestampSeconds the attempt time in unix seconds, sent as {@code webhook-timestamp}
 *                         and {@code X-D3-Timestamp}
 * @param webhookSignature space-separated {@code v1,...} entries, one per secret, newest first, then
 *                         {@code v1a,...} entries, one per Ed25519 signing key, newest first; null
 *                         when nothing signs
 * @param d3Signature      {@code sha256=...} with the newest secret; null when no secret signs
 */
public record SignatureHeaders(String webhookId, long timestampSeconds, String webhookSignature,
                               String d3Signature) {

    public static final String WEBHOOK_ID = "webhook-id";
    public static final String WEBHOOK_TIMESTAMP = "webhook-timestamp";
    public static final String WEBHOOK_SIGNATURE = "webhook-signature";
    public static final String D3_SIGNATURE = "X-D3-Signature";
    /** Not covered by the HMAC: lets GitHub-style receivers drop stale deliveries, no more. */
    public static final String D3_TIMESTAMP = "X-D3-Timestamp";

    /** Header name to value, in sending order; each signature (and X-D3-Timestamp with X-D3-Signature) only when signed. */
    public Map<String, String> asMap() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(WEBHOOK_ID, webhookId);
        headers.put(WEBHOOK_TIMESTAMP, Long.toString(timestampSeconds));
        if (webhookSignature != null) {
            headers.put(WEBHOOK_SIGNATURE, webhookSignature);
        }
        if (d3Signature != null) {
            headers.put(D3_SIGNATURE, d3Signature);
            headers.put(D3_TIMESTAMP, Long.toString(timestampSeconds));
        }
        return headers;
    }
}
