package com.d3.webhooks.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.OtlpCollector;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.nio.charset.StandardCharsets;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * End to end, with the standard settings: the SDK as the worker command starts it (autoconfigure,
 * OTLP over HTTP with the JDK sender) exports to a real OTLP/HTTP listener on loopback, and a
 * real receiver gets the trace id the application wrote. Settings are given as system properties,
 * which the SDK reads like the environment.
 */
class OtlpExportTest {

    private static final String ENDPOINT = "otel.exporter.otlp.endpoint";

    @AfterEach
    void clearSettings() {
        System.clearProperty(ENDPOINT);
    }

    @Test
    void theTraceIdTheApplicationWroteReachesTheReceiverAndTheCollector() throws Exception {
        TestDatabase.get().reset();
        DSLContext dsl = TestDatabase.get().database().dsl();
        Fixtures fx = new Fixtures(dsl);
        try (OtlpCollector collector = new OtlpCollector(); TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            System.setProperty(ENDPOINT, collector.endpoint());
            String traceId;
            try (OpenTelemetrySdk sdk = TracingSetup.startIfConfigured()) {
                assertNotNull(sdk, "an OTLP endpoint turns tracing on");
                Span application = sdk.getTracer("app").spanBuilder("task change").startSpan();
                try (Scope current = application.makeCurrent()) {
                    fx.event("acct_1", "fileTask.completed", "{}");
                } finally {
                    application.end();
                }
                traceId = application.getSpanContext().getTraceId();
                try (Worker worker = new Worker(dsl, Fixtures.testConfig("w-1").build(), MutableClock.startingNow(),
                        DeliveryListener.NONE, sdk)) {
                    worker.runOnce();
                }
            } // closing the SDK exports what it buffered

            String traceparent = receiver.received("/hook").get(0).header("traceparent");
            assertTrue(traceparent.startsWith("00-" + traceId + "-"), traceparent);
            assertFalse(collector.exports().isEmpty(), "the SDK exported to the listener");
            assertEquals("application/x-protobuf", collector.exports().get(0).contentType());
            assertTrue(collector.hasTrace(traceId), "a span of trace " + traceId + " was exported");
            assertTrue(collector.contains(TracingSetup.DEFAULT_SERVICE_NAME.getBytes(StandardCharsets.UTF_8)),
                    "the resource names the service");
        }
    }
}
