package com.d3.webhooks.testing;

import com.d3.webhooks.signing.SignatureHeaders;
import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.WebhookSecret;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a receiver holding one secret verifies: the webhook-signature entries. X-D3-Signature is
 * left out, since it carries the newest secret alone and a receiver of an older one ignores it.
 */
public final class StandardWebhooks {

    private StandardWebhooks() {
    }

    public static boolean verifies(WebhookSecret secret, TestReceiver.Received r, Clock clock) {
        Map<String, String> headers = r.headers().entrySet().stream()
                .filter(e -> !e.getKey().equalsIgnoreCase(SignatureHeaders.D3_SIGNATURE))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        return new SignatureVerifier(List.of(secret), clock).requiring(SignatureScheme.STANDARD_WEBHOOKS)
                .verify(headers, r.body()).isValid();
    }
}
