package com.d3.webhooks.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.List;

/**
 * The worker's spans. An attempt is an HTTP client span whose parent is the producer's context
 * from the outbox row, so the application's trace goes on through every attempt to the receiver;
 * routing and recording run in batches of many traces, so their spans are roots that link the
 * spans they carry (the producers', the attempts').
 *
 * <p>Off (a no-op {@link OpenTelemetry}), nothing is created per delivery: an event without
 * context costs nothing, and one with context has its traceparent checked and passed on as it is.
 * Either way a malformed traceparent is counted and ignored: the event goes out without it.
 */
public final class WorkerTracing {

    static final String SYSTEM = "webhook_outbox";
    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");

    private final Tracer tracer;
    private final boolean enabled;
    private final Runnable malformed;

    /** No spans, no count: for one-off attempts and routing outside a worker (endpoint tests, tools). */
    public static WorkerTracing off() {
        return new WorkerTracing(OpenTelemetry.noop(), () -> { });
    }

    /** {@code malformed} is told each time an outbox row's traceparent is not W3C (a metric counts it). */
    public WorkerTracing(OpenTelemetry openTelemetry, Runnable malformed) {
        this.enabled = openTelemetry.getTracerProvider() != TracerProvider.noop();
        this.tracer = openTelemetry.getTracer("com.d3.webhooks.worker");
        this.malformed = malformed;
    }

    /** Spans are made and exported: worth reading the outbox rows' contexts for the batch spans. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Starts the span of one attempt: the child of the producer's context when the row has a valid
     * one, else a new root trace (when tracing is on) or nothing at all (off).
     */
    public AttemptSpan startAttempt(String traceparent, String tracestate) {
        if (traceparent == null && !enabled) {
            return AttemptSpan.NONE;
        }
        SpanContext producer = TraceContextColumns.parse(traceparent, tracestate);
        if (traceparent != null && !producer.isValid()) {
            malformed.run();
        }
        if (!enabled) {
            return producer.isValid() ? new AttemptSpan(Span.wrap(producer)) : AttemptSpan.NONE;
        }
        SpanBuilder span = tracer.spanBuilder(AttemptSpan.METHOD).setSpanKind(SpanKind.CLIENT);
        if (producer.isValid()) {
            span.setParent(Context.root().with(Span.wrap(producer)));
        } else {
            span.setNoParent();
        }
        return new AttemptSpan(span.startSpan());
    }

    /**
     * The routing batch that began at {@code start} and has just committed: {@code events} outbox
     * rows, linked to the valid producer contexts among them.
     */
    public void routed(Instant start, int events, List<SpanContext> producers) {
        if (!enabled) {
            return;
        }
        batch("route", "process", start, events, producers).end();
    }

    /**
     * Starts the span of one recording transaction, linked to the attempts it records. Callers
     * skip it when tracing is off, and with it gathering the links.
     */
    public Span startRecording(int outcomes, List<SpanContext> attempts) {
        return batch("record", "settle", null, outcomes, attempts);
    }

    private Span batch(String name, String operationType, Instant start, int count, List<SpanContext> links) {
        SpanBuilder b = tracer.spanBuilder(name + " " + SYSTEM)
                .setSpanKind(name.equals("route") ? SpanKind.CONSUMER : SpanKind.INTERNAL)
                .setNoParent()
                .setAttribute(MESSAGING_SYSTEM, SYSTEM)
                .setAttribute(DESTINATION, SYSTEM)
                .setAttribute(OPERATION_TYPE, operationType)
                .setAttribute(OPERATION_NAME, name)
                .setAttribute(BATCH_COUNT, (long) count);
        if (start != null) {
            b.setStartTimestamp(start);
        }
        for (SpanContext link : links) {
            if (link.isValid()) {
                b.addLink(link);
            }
        }
        return b.startSpan();
    }
}
