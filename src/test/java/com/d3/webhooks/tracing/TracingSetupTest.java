package com.d3.webhooks.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When tracing is on, and the outbox columns' format both ways. */
class TracingSetupTest {

    @Test
    void tracingIsOnOnlyWhenAnExporterOrAnEndpointIsConfigured() {
        assertFalse(TracingSetup.configured(Map.<String, String>of()::get));
        assertFalse(TracingSetup.configured(Map.of("OTEL_SERVICE_NAME", "x")::get), "naming alone is no export");
        assertTrue(TracingSetup.configured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")::get));
        assertTrue(TracingSetup.configured(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://h/v1/traces")::get));
        assertTrue(TracingSetup.configured(Map.of("OTEL_TRACES_EXPORTER", "otlp")::get));
        assertFalse(TracingSetup.configured(Map.of("OTEL_TRACES_EXPORTER", "none",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")::get), "none wins over an endpoint");
        assertFalse(TracingSetup.configured(Map.of("OTEL_SDK_DISABLED", "true",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")::get));
        assertFalse(TracingSetup.configured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " ")::get), "blank is unset");
    }

    @Test
    void invalidSettingsAreRefusedWithoutEchoingTheExportersHeaders() {
        Map<String, String> settings = Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318",
                "otel.exporter.otlp.headers", "api-key-supersecret");
        settings.forEach(System::setProperty);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, TracingSetup::startIfConfigured);
            assertTrue(e.getMessage().contains("OTEL_EXPORTER_OTLP_HEADERS"), e.getMessage());
            assertFalse(e.getMessage().contains("supersecret"), e.getMessage());

            System.clearProperty("otel.exporter.otlp.headers");
            System.setProperty("otel.exporter.otlp.protocol", "grpc");
            e = assertThrows(IllegalArgumentException.class, TracingSetup::startIfConfigured);
            assertTrue(e.getMessage().contains("http/protobuf"), e.getMessage());
        } finally {
            settings.keySet().forEach(System::clearProperty);
            System.clearProperty("otel.exporter.otlp.protocol");
        }
    }

    @Test
    void theColumnsCarryTheCurrentSpanAndNothingWithoutOne() {
        assertNull(TraceContextColumns.current());
        // A provider without a span processor makes no spans at all: the application exports somewhere.
        try (SdkTracerProvider tracer = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create())).build()) {
            Span span = tracer.get("app").spanBuilder("task change").startSpan();
            try (Scope current = span.makeCurrent()) {
                TraceContextColumns columns = TraceContextColumns.current();
                SpanContext sc = span.getSpanContext();
                assertEquals("00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex(),
                        columns.traceparent());
                assertNull(columns.tracestate());
                assertEquals(sc.getTraceId(), TraceContextColumns.parse(columns.traceparent(), null).getTraceId());
            } finally {
                span.end();
            }
        }
    }

    @Test
    void malformedTraceparentsParseAsNoContext() {
        for (String bad : new String[] {"", "00-not-a-trace-context", "00-00000000000000000000000000000000-"
                + "00f067aa0ba902b7-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Evil: 1"}) {
            assertFalse(TraceContextColumns.parse(bad, null).isValid(), bad);
        }
        SpanContext ok = TraceContextColumns.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "vendor=abc,bad key=\n");
        assertTrue(ok.isValid());
        assertTrue(ok.getTraceState().isEmpty(), "an unparseable tracestate is dropped alone");
    }
}
