package com.d3.webhooks.signing;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

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
        Objects.requireNonNull(secrets, "secrets");
        Objects.requireNonNull(body, "body");
        if (webhookId == null || webhookId.isBlank() || webhookId.indexOf('.') >= 0) {
            throw new IllegalArgumentException("webhook id must be non-blank and contain no '.' (got '"
                    + webhookId + "')");
        }
        if (secrets.isEmpty()) {
            return new SignatureHeaders(webhookId, timestampSeconds, null, null);
        }
        String timestamp = Long.toString(timestampSeconds);
        String webhookSignature = secrets.stream()
                .map(secret -> Signatures.standardWebhooks(secret, webhookId, timestamp, body))
                .collect(Collectors.joining(" "));
        return new SignatureHeaders(webhookId, timestampSeconds, webhookSignature,
                Signatures.d3(secrets.get(0), body));
    }
}
