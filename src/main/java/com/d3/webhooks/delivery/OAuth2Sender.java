package com.d3.webhooks.delivery;

import com.d3.webhooks.network.DestinationCheck;
import com.d3.webhooks.network.DestinationPolicy;
import com.d3.webhooks.oauth.AccessToken;
import com.d3.webhooks.oauth.AccessTokens;
import com.d3.webhooks.oauth.ClientCredentials;
import com.d3.webhooks.oauth.Deadline;
import com.d3.webhooks.oauth.TokenTransport;
import com.d3.webhooks.oauth.TokenUnavailable;
import com.d3.webhooks.secrets.SealedPlace;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends a delivery to an endpoint that wants an OAuth2 access token (client credentials): gets the
 * token ({@link AccessTokens}), sends it as {@code Authorization: Bearer}, and when the receiver
 * answers 401 fetches a new token and sends once more, all as one attempt. The token request goes
 * through the same HTTP client, address policy and proxy as the webhook, and the token request and
 * the webhook requests share the attempt's connect + request timeout, which the lease assumes.
 */
final class OAuth2Sender {

    private final WorkerConfig config;
    private final HttpSender http;
    private final DestinationPolicy destinations;
    private final OpenedValues<String> clientSecrets;
    private final AccessTokens tokens;

    OAuth2Sender(WorkerConfig config, Clock clock, HttpSender http, DestinationPolicy destinations, String userAgent) {
        this.config = config;
        this.http = http;
        this.destinations = destinations;
        this.clientSecrets = new OpenedValues<>(config.secrets(), Function.identity());
        this.tokens = new AccessTokens(clock, this::tokenRequest, userAgent);
    }

    /**
     * The attempt's result; its duration covers the token requests too. The webhook goes through
     * {@code via} (the endpoint's client certificate's client; null: the worker's own), the token
     * request through the worker's own client.
     */
    AttemptResult post(ClaimedDelivery d, HttpClient via, URI uri, Map<String, String> headers, byte[] body,
                       Deadline deadline) {
        long start = System.nanoTime();
        if (headers.keySet().stream().anyMatch(name -> name.equalsIgnoreCase("Authorization"))) {
            return AttemptResult.failure("endpoint " + d.endpointId() + " has OAuth2 client credentials and a static "
                    + "Authorization header, which the access token would replace: remove one of them", 0);
        }
        ClientCredentials credentials;
        try {
            credentials = d.credentials().oauth2().withSecret(
                    clientSecrets.get(SealedPlace.oauth2ClientSecret(d.endpointId()),
                            d.credentials().oauth2().clientSecret()));
            credentials.validate();
        } catch (IllegalArgumentException e) {
            return AttemptResult.failure("endpoint OAuth2 client credentials are unusable: " + e.getMessage(), 0);
        }
        AttemptResult result;
        try {
            AccessToken token = tokens.token(d.endpointId(), credentials, deadline);
            result = send(via, uri, headers, body, token, deadline);
            if (unauthorized(result)) {
                tokens.rejected(d.endpointId(), token);
                result = resend(d.endpointId(), credentials, via, uri, headers, body, deadline, result);
            }
        } catch (TokenUnavailable e) {
            result = AttemptResult.failure(e.getMessage(), 0);
        }
        return withDuration(result, (int) TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** After a 401: once more with a new token; without one, the 401 stays the result, with the reason. */
    private AttemptResult resend(long endpointId, ClientCredentials credentials, HttpClient via, URI uri,
                                 Map<String, String> headers, byte[] body, Deadline deadline, AttemptResult refused) {
        AccessToken fresh;
        try {
            fresh = tokens.token(endpointId, credentials, deadline);
        } catch (TokenUnavailable e) {
            return withError(refused, refused.error() + "; then " + e.getMessage());
        }
        AttemptResult again = send(via, uri, headers, body, fresh, deadline);
        return unauthorized(again) ? withError(again, again.error() + " (with a newly fetched access token too)")
                : again;
    }

    private static boolean unauthorized(AttemptResult r) {
        return r.status() != null && r.status() == 401;
    }

    private AttemptResult send(HttpClient via, URI uri, Map<String, String> headers, byte[] body,
                               AccessToken token, Deadline deadline) {
        Duration left = deadline.remaining();
        if (left.isZero()) {
            return AttemptResult.failure("no time left for the request: the token request took the attempt's "
                    + "connect + request timeout", 0);
        }
        Map<String, String> authorized = new LinkedHashMap<>(headers);
        authorized.put("Authorization", token.bearer());
        return http.post(via, uri, authorized, body, shorter(left, config.requestTimeout()));
    }

    /**
     * The token request: refused like a webhook to a plain-http or internal URL, and started only
     * while the attempt has the time for a lookup (the connect timeout) left.
     */
    private TokenTransport.Answer tokenRequest(URI url, Map<String, String> headers, byte[] form, int maxBodyBytes,
                                               Deadline deadline) {
        if (config.requireHttps() && !"https".equalsIgnoreCase(url.getScheme())) {
            return TokenTransport.Answer.failed("refused: plain http token URL, and this worker runs with "
                    + "--require-https");
        }
        Duration left = deadline.remaining();
        if (left.compareTo(config.connectTimeout()) < 0) {
            return TokenTransport.Answer.failed("no time left for a token request within the attempt's connect + "
                    + "request timeout");
        }
        DestinationCheck destination = destinations.check(url);
        if (!destination.allowed()) {
            return TokenTransport.Answer.failed("token URL " + destination.message());
        }
        left = deadline.remaining();
        if (left.isZero()) {
            return TokenTransport.Answer.failed("no time left for a token request after looking up " + url.getHost());
        }
        AttemptResult r = http.exchange(url, headers, form, shorter(left, config.requestTimeout()), maxBodyBytes);
        return r.error() != null ? TokenTransport.Answer.failed("token request: " + r.error())
                : new TokenTransport.Answer(r.status(), r.bodyExcerpt(), null);
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private static AttemptResult withError(AttemptResult r, String error) {
        return new AttemptResult(r.status(), r.bodyExcerpt(), error, r.durationMs(), r.retryAfter(), r.abort());
    }

    private static AttemptResult withDuration(AttemptResult r, int durationMs) {
        return new AttemptResult(r.status(), r.bodyExcerpt(), r.error(), durationMs, r.retryAfter(), r.abort());
    }
}
