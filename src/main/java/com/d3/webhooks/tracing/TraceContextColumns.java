package com.d3.webhooks.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.List;

/**
 * The W3C trace context as the outbox stores it: webhook_outbox.traceparent and .tracestate.
 * Written by the producing application from its current OpenTelemetry context (the API alone, so
 * an application without the SDK writes nothing), read by the worker, which checks the format.
 *
 * @param traceparent e.g. {@code 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}
 * @param tracestate  null when the context has none
 */
public record TraceContextColumns(String traceparent, String tracestate) {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    /** The current context's, or null when no valid span is current (nothing to carry). */
    public static TraceContextColumns current() {
        Context context = Context.current();
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return null;
        }
        String[] columns = new String[2];
        W3C.inject(context, columns, SETTER);
        return new TraceContextColumns(columns[0], columns[1] == null || columns[1].isEmpty() ? null : columns[1]);
    }

    /**
     * The span context the columns describe; invalid when {@code traceparent} is null or malformed
     * (the propagator checks the W3C format; a tracestate it cannot parse is dropped, alone).
     */
    public static SpanContext parse(String traceparent, String tracestate) {
        if (traceparent == null) {
            return SpanContext.getInvalid();
        }
        return Span.fromContext(W3C.extract(Context.root(), new TraceContextColumns(traceparent, tracestate), GETTER))
                .getSpanContext();
    }

    private static final TextMapSetter<String[]> SETTER = (columns, key, value) -> {
        if (columns != null) {
            columns[TRACEPARENT.equals(key) ? 0 : 1] = value;
        }
    };

    private static final TextMapGetter<TraceContextColumns> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceContextColumns carrier) {
            return List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(TraceContextColumns carrier, String key) {
            if (carrier == null) {
                return null;
            }
            return TRACEPARENT.equals(key) ? carrier.traceparent : TRACESTATE.equals(key) ? carrier.tracestate : null;
        }
    };
}
