package com.d3.webhooks.endpoints;

import com.d3.webhooks.network.EndpointUrl;
import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.signing.WebhookSecret;
import java.util.List;
import java.util.Objects;

/**
 * A registration request, validated on creation: an absolute http(s) URL with a host, event
 * types of the right shape, a secret that can sign.
 *
 * @param secret     {@code whsec_...} or any other non-empty text; null for unsigned requests
 * @param eventTypes empty for every type
 * @param maxInFlight requests in flight to it per worker at most; null for the worker's
 *                    --max-in-flight-per-endpoint
 */
public record NewEndpoint(String accountId, String url, String secret, List<String> eventTypes,
                          String description, Integer maxInFlight) {

    /** Plain-text secrets are at most this long (webhook_endpoints_secret_form_check). */
    public static final int MAX_SECRET_LENGTH = 500;

    public NewEndpoint {
        Objects.requireNonNull(accountId, "account");
        if (accountId.isBlank() || accountId.length() > 200) {
            throw new IllegalArgumentException("account must be 1 to 200 characters");
        }
        EndpointUrl.parse(url);
        eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
        for (String type : eventTypes) {
            String problem = EventTypes.problem(type);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }
        if (secret != null) {
            if (secret.length() > MAX_SECRET_LENGTH) {
                throw new IllegalArgumentException("secret is " + secret.length() + " characters long: at most "
                        + MAX_SECRET_LENGTH);
            }
            if (SecretSealer.isSealed(secret)) {
                throw new IllegalArgumentException("secret starts with '" + SecretSealer.PREFIX + "', which marks "
                        + "sealed values: give the secret itself");
            }
            WebhookSecret.parse(secret);
        }
        if (maxInFlight != null && maxInFlight < 1) {
            throw new IllegalArgumentException("max in flight must be at least 1 (got " + maxInFlight + ")");
        }
    }

    /** An endpoint that follows the worker's --max-in-flight-per-endpoint. */
    public NewEndpoint(String accountId, String url, String secret, List<String> eventTypes, String description) {
        this(accountId, url, secret, eventTypes, description, null);
    }

    /** What the operator should hear about, e.g. a plain-http URL. */
    public List<String> warnings() {
        return EndpointUrl.parse(url).warnings();
    }
}
