package com.d3.webhooks.delivery;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.clientcert.ClientCertificateClients;
import com.d3.webhooks.delivery.Completion.Attempted;
import com.d3.webhooks.delivery.Completion.Released;
import com.d3.webhooks.delivery.ExpiredLeases.LostAttempt;
import com.d3.webhooks.network.DestinationCheck;
import com.d3.webhooks.network.DestinationPolicy;
import com.d3.webhooks.network.EndpointUrl;
import com.d3.webhooks.oauth.Deadline;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.signing.WebhookSigner;
import com.d3.webhooks.signing.WebhookSigningKey;
import com.d3.webhooks.tracing.AttemptSpan;
import com.d3.webhooks.tracing.WorkerTracing;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One attempt at one delivery, run on a sender thread: checks the endpoint row and the
 * destination address, signs the body and POSTs it (with an OAuth2 access token when the endpoint
 * wants one). Whatever happens becomes a {@link Completion}; nothing here throws for a bad row or
 * a hostile endpoint.
 */
final class DeliveryAttempt implements AutoCloseable {

    static final Duration DISABLED_ENDPOINT_RECHECK = Duration.ofMinutes(1);
    static final String USER_AGENT = "D3-Webhook-Outbox/" + version();
    private static final int MAX_PARSED_URLS = 10_000;

    private final WorkerConfig config;
    private final Clock clock;
    private final HttpSender sender;
    private final DestinationPolicy destinations;
    private final OpenedValues<WebhookSecret> secrets;
    private final StaticHeaders staticHeaders;
    private final ClientCertificates clientCertificates;
    private final SigningKeys signingKeys;
    private final WorkerTracing tracing;
    private final OAuth2Sender oauth2;
    /** Endpoint URLs as parsed, by their text: parsing and checking one costs more than signing the body. */
    private final Map<String, URI> parsedUrls = new ConcurrentHashMap<>();

    /** Without spans: for endpoint tests, whose deliveries carry no trace context. */
    DeliveryAttempt(WorkerConfig config, Clock clock) {
        this(config, clock, WorkerTracing.off());
    }

    DeliveryAttempt(WorkerConfig config, Clock clock, WorkerTracing tracing) {
        this.config = config;
        this.tracing = tracing;
        this.clock = clock;
        this.sender = new HttpSender(config, clock);
        // The lookup is part of connecting: bounded by the connect timeout, so lookup and exchange
        // together stay within connect + request timeout, which the lease exceeds.
        this.destinations = DestinationPolicy.forDeliveries(config.allowPrivateNetwork(), config.egressProxy(),
                config.connectTimeout());
        this.secrets = new OpenedValues<>(config.secrets(), WebhookSecret::parse);
        this.staticHeaders = new StaticHeaders(config.secrets());
        this.clientCertificates = new ClientCertificates(config.secrets(), sender);
        this.signingKeys = new SigningKeys(config.secrets());
        this.oauth2 = new OAuth2Sender(config, clock, sender, destinations, USER_AGENT);
    }

    Completion run(ClaimedDelivery d) {
        Instant sentAt = clock.instant();
        if (!d.endpointEnabled()) {
            return new Released(d, "endpoint " + d.endpointId() + " is disabled; the delivery waits until it is "
                    + "enabled", sentAt.plus(DISABLED_ENDPOINT_RECHECK));
        }
        AttemptSpan span = tracing.startAttempt(d.traceparent(), d.tracestate());
        span.describe(d.deliveryId(), d.endpointId(), d.attempt(), d.eventId(), d.eventType());
        Attempted attempted;
        try {
            attempted = send(d, sentAt, span);
        } catch (RuntimeException | Error e) {
            span.end(null, "the worker failed during the attempt (" + e.getClass().getName() + ")");
            throw e;
        }
        span.end(attempted.result().status(), attempted.result().error());
        return span.context().isValid()
                ? new Attempted(d, attempted.audit(), attempted.result(), span.context())
                : attempted;
    }

    private Attempted send(ClaimedDelivery d, Instant sentAt, AttemptSpan span) {
        // Senders start an attempt only while its lease outlasts connect + request timeout.
        Deadline deadline = Deadline.after(config.connectTimeout().plus(config.requestTimeout()));
        URI uri;
        try {
            uri = parse(d.url());
        } catch (IllegalArgumentException e) {
            return refused(d, sentAt, "invalid endpoint URL: " + e.getMessage());
        }
        span.target(uri, d.url());
        if (config.requireHttps() && !"https".equalsIgnoreCase(uri.getScheme())) {
            return refused(d, sentAt, "refused: plain http endpoint, and this worker runs with --require-https");
        }
        DestinationCheck destination = destinations.check(uri);
        if (!destination.allowed()) {
            return refused(d, sentAt, destination.message());
        }
        Map<String, String> headers;
        try {
            headers = staticHeaders.open(d);
        } catch (IllegalArgumentException e) {
            return refused(d, sentAt, "endpoint headers are unusable: " + e.getMessage());
        }
        List<WebhookSigningKey> keys;
        try {
            keys = signingKeys.active(d, sentAt);
        } catch (IllegalArgumentException e) {
            return refused(d, sentAt, "endpoint signing key is unusable: " + e.getMessage());
        }
        byte[] body = WebhookBody.of(d);
        try {
            // After the endpoint's own: the worker's headers win (HeaderRules refuses their names anyway).
            headers.putAll(headers(d, keys, body, sentAt));
        } catch (IllegalArgumentException e) {
            return refused(d, sentAt, "endpoint secret is unusable: " + e.getMessage());
        }
        ClientCertificateClients.Lease tls;
        try {
            tls = clientCertificates.lease(d, uri);
        } catch (IllegalArgumentException e) {
            return refused(d, sentAt, "endpoint client certificate is unusable: " + e.getMessage());
        }
        span.inject(headers);
        AttemptResult result;
        try (tls) {
            if (d.credentials().oauth2() != null) {
                result = oauth2.post(d, tls == null ? null : tls.client(), uri, headers, body, deadline);
            } else {
                result = tls == null ? sender.post(uri, headers, body) : sender.post(tls.client(), uri, headers, body);
            }
        }
        return new Attempted(d, entry(d, sentAt, result), result);
    }

    /** A text that does not parse is not kept: it is refused, with the reason, at every attempt. */
    private URI parse(String url) {
        URI known = parsedUrls.get(url);
        if (known != null) {
            return known;
        }
        URI uri = EndpointUrl.parse(url).uri();
        if (parsedUrls.size() >= MAX_PARSED_URLS) {
            parsedUrls.clear();
        }
        parsedUrls.put(url, uri);
        return uri;
    }

    /** Shuts down the clients of client certificates. */
    @Override
    public void close() {
        clientCertificates.close();
    }

    private Map<String, String> headers(ClaimedDelivery d, List<WebhookSigningKey> keys, byte[] body,
                                        Instant sentAt) {
        long seconds = sentAt.getEpochSecond();
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        h.put("User-Agent", USER_AGENT);
        h.put("X-D3-Event", d.eventType());
        h.put("X-D3-Event-Id", d.eventId().toString());
        h.put("X-D3-Delivery", Long.toString(d.deliveryId()));
        h.put("X-D3-Attempt", Integer.toString(d.attempt()));
        h.put("X-D3-Timestamp", Long.toString(seconds));
        h.put("X-D3-Sequence", Long.toString(d.outboxId()));
        List<WebhookSecret> active = d.credentials().activeSecrets(sentAt,
                (column, stored) -> secrets.get(SealedPlace.of(d.endpointId(), column), stored));
        h.putAll(WebhookSigner.sign(active, keys, d.eventId().toString(), seconds, body).asMap());
        return h;
    }

    /** The attempt stops before any request: audited as failed, retried on schedule. */
    private Attempted refused(ClaimedDelivery d, Instant sentAt, String error) {
        AttemptResult result = AttemptResult.failure(error, 0);
        return new Attempted(d, entry(d, sentAt, result), result);
    }

    /**
     * The attempt threw instead of ending in a result (a defect, or an Error of the JVM): audited as
     * failed with the error and retried on schedule; the request may or may not have gone out.
     */
    Completion failedUnexpectedly(ClaimedDelivery d, Throwable t) {
        String error = "the worker failed during the attempt (" + t.getClass().getName()
                + "); the request may have reached the receiver";
        return refused(d, clock.instant(), error);
    }

    private AuditEntry entry(ClaimedDelivery d, Instant sentAt, AttemptResult r) {
        return new AuditEntry(d.deliveryId(), d.eventId(), d.endpointId(), d.accountId(), d.eventType(), d.url(),
                d.attempt(), r.succeeded() ? AuditEntry.SUCCESS : AuditEntry.FAILED, r.status(), r.bodyExcerpt(),
                r.error(), r.durationMs(), config.workerId(), sentAt);
    }

    /** The audit row for an attempt whose worker never reported back. */
    static AuditEntry lostAttemptEntry(LostAttempt l, String rescuer, Instant now) {
        ClaimedDelivery d = l.delivery();
        return new AuditEntry(d.deliveryId(), d.eventId(), d.endpointId(), d.accountId(), d.eventType(), d.url(),
                d.attempt(), AuditEntry.FAILED, null, null, lostAttemptError(l), 0, rescuer, now);
    }

    static String lostAttemptError(LostAttempt l) {
        return "lease expired at " + l.leaseExpiredAt() + ": worker " + l.lostBy() + " did not report the outcome "
                + "(it stopped or stalled; the request may have reached the receiver)";
    }

    private static String version() {
        String v = DeliveryAttempt.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
