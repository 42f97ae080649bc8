package com.d3.webhooks.tracing;

import com.d3.webhooks.network.EndpointUrl;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.net.URI;
import java.util.Map;
import java.util.UUID;

/**
 * The span of one delivery attempt, named and described per OpenTelemetry's HTTP client
 * conventions, plus the delivery's own identifiers. Never the payload, a secret, a header value
 * or the URL's query (it may carry the customer's token). Attributes are set only when the span
 * records, so an unsampled or untraced attempt pays nothing for them.
 */
public final class AttemptSpan {

    static final String METHOD = "POST";
    static final AttemptSpan NONE = new AttemptSpan(Span.getInvalid());

    static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<Long> DELIVERY_ID = AttributeKey.longKey("d3.webhook.delivery.id");
    static final AttributeKey<Long> ENDPOINT_ID = AttributeKey.longKey("d3.webhook.endpoint.id");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("d3.webhook.attempt");
    static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("d3.webhook.event.type");

    private final Span span;

    AttemptSpan(Span span) {
        this.span = span;
    }

    /** Which delivery this is; {@code attempt} counts from 1 across replays. */
    public void describe(long deliveryId, long endpointId, int attempt, UUID eventId, String eventType) {
        if (!span.isRecording()) {
            return;
        }
        span.setAttribute(HTTP_METHOD, METHOD);
        span.setAttribute(WorkerTracing.MESSAGING_SYSTEM, WorkerTracing.SYSTEM);
        span.setAttribute(MESSAGE_ID, eventId.toString());
        span.setAttribute(DELIVERY_ID, deliveryId);
        span.setAttribute(ENDPOINT_ID, endpointId);
        span.setAttribute(ATTEMPT, attempt);
        span.setAttribute(EVENT_TYPE, eventType);
        if (attempt > 1) {
            span.setAttribute(RESEND_COUNT, attempt - 1L);
        }
    }

    /** Where the request goes: the URL without query, fragment or user-info. */
    public void target(URI uri, String url) {
        if (!span.isRecording()) {
            return;
        }
        span.setAttribute(URL_FULL, EndpointUrl.redact(url));
        span.setAttribute(SERVER_ADDRESS, uri.getHost());
        span.setAttribute(SERVER_PORT, uri.getPort() >= 0 ? uri.getPort()
                : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80);
    }

    /** Adds traceparent (and tracestate) naming this span, so the receiver's server span is its child. */
    public void inject(Map<String, String> headers) {
        if (span.getSpanContext().isValid()) {
            W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), headers, (h, k, v) -> h.put(k, v));
        }
    }

    /**
     * Ends the span with the attempt's outcome: {@code status} null when no response came,
     * {@code error} null when it succeeded. The error is the audit row's text (host and port
     * only, receiver text escaped).
     */
    public void end(Integer status, String error) {
        if (span.isRecording()) {
            if (status != null) {
                span.setAttribute(STATUS_CODE, status.longValue());
            }
            if (error != null) {
                span.setAttribute(ERROR_TYPE, status != null ? status.toString()
                        : error.contains("timeout") ? "timeout" : "_OTHER");
                span.setStatus(StatusCode.ERROR, error);
            }
        }
        span.end();
    }

    public SpanContext context() {
        return span.getSpanContext();
    }
}
