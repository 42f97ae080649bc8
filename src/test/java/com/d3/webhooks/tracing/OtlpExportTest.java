package com.d3.webhooks.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * End to end, with the standard settings: the SDK as the worker command starts it (autoconfigure,
 * OTLP over HTTP with the JDK sender) exports to a real OTLP/HTTP listener on loopback, and a
 * real receiver gets the trace id the application wrote. The export is OTLP's default protobuf;
 * the listener looks for a span's trace_id field (tag 0x0a, length 16, the 16 bytes).
 */
class OtlpExportTest {

    private static final Map<String, String> SETTINGS = Map.of(
            "otel.exporter.otlp.endpoint", "placeholder",
            "otel.traces.sampler", "parentbased_always_on");

    /** What the listener was sent: content type and body of each POST /v1/traces. */
    private record Export(String contentType, byte[] body) {
    }

    @AfterEach
    void clearSettings() {
        SETTINGS.keySet().forEach(System::clearProperty);
    }

    @Test
    void theTraceIdTheApplicationWroteReachesTheReceiverAndTheCollector() throws Exception {
        TestDatabase.get().reset();
        DSLContext dsl = TestDatabase.get().database().dsl();
        Fixtures fx = new Fixtures(dsl);
        List<Export> exports = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        collector.createContext("/v1/traces", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            exchange.getRequestBody().transferTo(body);
            if ("POST".equals(exchange.getRequestMethod())) {
                exports.add(new Export(exchange.getRequestHeaders().getFirst("Content-Type"), body.toByteArray()));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            SETTINGS.forEach(System::setProperty);
            System.setProperty("otel.exporter.otlp.endpoint",
                    "http://127.0.0.1:" + collector.getAddress().getPort());
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
            assertTrue(!exports.isEmpty(), "the SDK exported to the listener");
            assertEquals("application/x-protobuf", exports.get(0).contentType());
            byte[] traceIdField = new byte[18];
            traceIdField[0] = 0x0a;
            traceIdField[1] = 16;
            System.arraycopy(HexFormat.of().parseHex(traceId), 0, traceIdField, 2, 16);
            assertTrue(exports.stream().anyMatch(e -> indexOf(e.body(), traceIdField) >= 0),
                    "a span of trace " + traceId + " was exported");
            byte[] serviceName = TracingSetup.DEFAULT_SERVICE_NAME.getBytes(StandardCharsets.UTF_8);
            assertTrue(exports.stream().anyMatch(e -> indexOf(e.body(), serviceName) >= 0),
                    "the resource names the service");
        } finally {
            collector.stop(0);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
