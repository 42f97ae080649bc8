package com.d3.webhooks.signing;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Signs a webhook body for sending; stateless and safe to call from any number of threads. */
public final class WebhookSigner {

    private WebhookSigner() {
    }

    /**
     * Signs {@code body} with every active secret.
     *
     * @param secrets          newest first; during a rotation window the older ones still sign
     *                         {@code webhook-signature} so receivers holding either secret verify.
     *                         Empty when the endpoint has no secret: the headers then carry no signature
     * @param webhookId        the event id; must not contain '.', which would make
     *                         {@code <id>.<timestamp>.<body>} ambiguous (the Standard Webhooks spec forbids it)
     * @param timestampSeconds the attempt time in unix seconds (a retry is signed afresh)
     */
    public static SignatureHeaders sign(List<WebhookSecret> secrets, String webhookId, long timestampSeconds,
                                        byte[] body) {
        return sign(secrets, List.of(), webhookId, timestampSeconds, body);
    }

    /**
     * Signs {@code body} with every active secret ({@code v1} entries and X-D3-Signature) and
     * every active Ed25519 signing key ({@code v1a} entries, after the {@code v1} ones), as
     * {@link #sign(List, String, long, byte[])} does for secrets alone.
     *
     * @param signingKeys newest first; empty when the endpoint signs with HMAC only
     */
    public static SignatureHeaders sign(List<WebhookSecret> secrets, List<WebhookSigningKey> signingKeys,
                                        String webhookId, long timestampSeconds, byte[] body) {
        Objects.requireNonNull(secrets, "secrets");
        Objects.requireNonNull(signingKeys, "signing keys");
        Objects.requireNonNull(body, "body");
        if (webhookId == null || webhookId.isBlank() || webhookId.indexOf('.') >= 0) {
            throw new IllegalArgumentException("webhook id must be non-blank and contain no '.' (got '"
                    + webhookId + "')");
        }
        if (secrets.isEmpty() && signingKeys.isEmpty()) {
            return new SignatureHeaders(webhookId, timestampSeconds, null, null);
        }
        String timestamp = Long.toString(timestampSeconds);
        String webhookSignature = Stream.concat(
                        secrets.stream().map(secret -> Signatures.standardWebhooks(secret, webhookId, timestamp, body)),
                        signingKeys.stream().map(key -> key.sign(webhookId, timestamp, body)))
                .collect(Collectors.joining(" "));
        return new SignatureHeaders(webhookId, timestampSeconds, webhookSignature,
                secrets.isEmpty() ? null : Signatures.d3(secrets.get(0), body));
    }
}
