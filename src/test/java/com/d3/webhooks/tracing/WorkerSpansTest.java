package com.d3.webhooks.tracing;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.observability.WorkerMetrics;
import com.d3.webhooks.tasks.CreatedMainTask;
import com.d3.webhooks.tasks.TaskLifecycle;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's spans, read from the SDK's in-memory exporter, after real deliveries from a real
 * database to a real receiver on loopback: one trace from the application's span to the receiver.
 */
class WorkerSpansTest {

    private static final String SECRET_PAYLOAD = "{\"card\":\"4111-payload-must-not-leak\"}";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private OpenTelemetrySdk sdk;
    private DSLContext dsl;
    private Fixtures fx;
    private MutableClock clock;

    @BeforeEach
    void setUp() {
        TestDatabase.get().reset();
        dsl = TestDatabase.get().database().dsl();
        fx = new Fixtures(dsl);
        clock = MutableClock.startingNow();
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported))
                        .build())
                .build();
    }

    @AfterEach
    void tearDown() {
        sdk.close();
    }

    @Test
    void theApplicationsTraceGoesOnThroughEveryAttemptToTheReceiver() {
        try (TestReceiver receiver = new TestReceiver()) {
            AtomicInteger calls = new AtomicInteger();
            receiver.on("/hook", r -> Reply.status(calls.incrementAndGet() == 1 ? 503 : 200));
            long endpointId = fx.endpoint("acct_1", receiver.url("/hook?token=customer-secret"), "whsec_"
                    + java.util.Base64.getEncoder().encodeToString(new byte[24]));
            SpanContext application;
            Span taskChange = sdk.getTracer("app").spanBuilder("task change").startSpan();
            try (Scope current = taskChange.makeCurrent()) {
                application = taskChange.getSpanContext();
                fx.event("acct_1", "fileTask.completed", SECRET_PAYLOAD);
            } finally {
                taskChange.end();
            }

            try (Worker worker = worker(DeliveryListener.NONE, sdk)) {
                worker.runOnce();
                clock.advance(Duration.ofSeconds(11));
                worker.runOnce();
            }

            List<TestReceiver.Received> got = receiver.received("/hook");
            assertEquals(2, got.size());
            List<SpanData> attempts = spans("POST");
            assertEquals(2, attempts.size());
            for (int i = 0; i < 2; i++) {
                SpanData a = attempts.get(i);
                assertEquals(application.getTraceId(), a.getTraceId(), "one trace from the application on");
                assertEquals(application.getSpanId(), a.getParentSpanId(), "the attempt is the producer's child");
                assertEquals(SpanKind.CLIENT, a.getKind());
                assertEquals(traceparent(a), got.get(i).header("traceparent"),
                        "the receiver's server span becomes the attempt's child");
                assertEquals("POST", attr(a, "http.request.method"));
                assertEquals(receiver.url("/hook"), attr(a, "url.full"), "no query string: it may hold a token");
                assertEquals("127.0.0.1", attr(a, "server.address"));
                assertEquals((long) endpointId, attr(a, "d3.webhook.endpoint.id"));
                assertEquals(i + 1L, attr(a, "d3.webhook.attempt"));
                assertEquals("fileTask.completed", attr(a, "d3.webhook.event.type"));
                assertTrue(a.getAttributes().asMap().values().stream()
                        .noneMatch(v -> v.toString().contains("payload-must-not-leak")
                                || v.toString().contains("customer-secret") || v.toString().contains("whsec_")));
            }
            assertEquals(503L, attr(attempts.get(0), "http.response.status_code"));
            assertEquals("503", attr(attempts.get(0), "error.type"));
            assertEquals(StatusCode.ERROR, attempts.get(0).getStatus().getStatusCode());
            assertNull(attr(attempts.get(0), "http.request.resend_count"));
            assertEquals(200L, attr(attempts.get(1), "http.response.status_code"));
            assertEquals(1L, attr(attempts.get(1), "http.request.resend_count"));
            assertNull(attr(attempts.get(1), "error.type"));
            assertEquals(StatusCode.UNSET, attempts.get(1).getStatus().getStatusCode());

            SpanData route = spans("route webhook_outbox").get(0);
            assertEquals(SpanKind.CONSUMER, route.getKind());
            assertEquals(List.of(application.getSpanId()),
                    route.getLinks().stream().map(l -> l.getSpanContext().getSpanId()).toList());
            assertEquals(application.getTraceId(), route.getLinks().get(0).getSpanContext().getTraceId());
            assertEquals(1L, attr(route, "messaging.batch.message_count"));
            List<SpanContext> recorded = spans("record webhook_outbox").stream()
                    .flatMap(s -> s.getLinks().stream().map(LinkData::getSpanContext)).toList();
            assertEquals(attempts.stream().map(SpanData::getSpanContext).toList(), recorded,
                    "each recording batch links the attempts it recorded");
        }
    }

    @Test
    void taskLifecycleEventsCarryTheContextOfTheChangeThatWroteThem() {
        TaskLifecycle lifecycle = new TaskLifecycle();
        CreatedMainTask task = lifecycle.createMainTask(dsl, "acct_1", 1);
        Span change = sdk.getTracer("app").spanBuilder("complete file task").startSpan();
        try (Scope current = change.makeCurrent()) {
            lifecycle.completeFileTask(dsl, "acct_1", task.fileTaskIds().get(0), null);
        } finally {
            change.end();
        }
        List<String> written = dsl.select(WEBHOOK_OUTBOX.TRACEPARENT).from(WEBHOOK_OUTBOX)
                .orderBy(WEBHOOK_OUTBOX.ID).fetch(r -> r.value1());
        assertEquals(2, written.size(), "fileTask.completed and operation.completed");
        SpanContext sc = change.getSpanContext();
        String expected = "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex();
        assertEquals(List.of(expected, expected), written);
    }

    @Test
    void anEventWithoutContextGetsANewRootTrace() {
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            UUID eventId = fx.event("acct_1", "fileTask.completed", "{}");
            assertNull(traceparentOf(eventId), "no span was current: nothing to carry");

            try (Worker worker = worker(DeliveryListener.NONE, sdk)) {
                worker.runOnce();
            }

            SpanData attempt = spans("POST").get(0);
            assertFalse(attempt.getParentSpanContext().isValid(), "a root span");
            assertEquals(traceparent(attempt), receiver.received("/hook").get(0).header("traceparent"));
        }
    }

    @Test
    void aMalformedTraceparentIsCountedAndTheEventIsDeliveredWithoutIt() {
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            malformedEvent();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            WorkerMetrics metrics = new WorkerMetrics(registry, "w-1", () -> 0);

            try (Worker worker = worker(metrics, OpenTelemetry.noop())) {
                worker.runOnce();
            }

            assertEquals(1, receiver.received("/hook").size(), "delivered all the same");
            assertNull(receiver.received("/hook").get(0).header("traceparent"), "tracing off: nothing to pass on");
            assertEquals(1.0, registry.counter("outbox.trace.context.malformed").count());
            assertEquals("succeeded", fx.deliveries().get(0).getState());
        }
    }

    @Test
    void withTracingOnAMalformedTraceparentStartsANewRootTrace() {
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            malformedEvent();
            AtomicInteger malformed = new AtomicInteger();

            try (Worker worker = worker(countingMalformed(malformed), sdk)) {
                worker.runOnce();
            }

            assertEquals(1, malformed.get());
            SpanData attempt = spans("POST").get(0);
            assertFalse(attempt.getParentSpanContext().isValid());
            assertTrue(receiver.received("/hook").get(0).header("traceparent").contains(attempt.getTraceId()));
        }
    }

    @Test
    void withTracingOffTheApplicationsContextIsPassedOnAsItIs() {
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            dsl.insertInto(WEBHOOK_OUTBOX)
                    .set(WEBHOOK_OUTBOX.ACCOUNT_ID, "acct_1").set(WEBHOOK_OUTBOX.EVENT_TYPE, "fileTask.completed")
                    .set(WEBHOOK_OUTBOX.PAYLOAD, org.jooq.JSONB.jsonb("{}"))
                    .set(WEBHOOK_OUTBOX.TRACEPARENT, traceparent).set(WEBHOOK_OUTBOX.TRACESTATE, "vendor=abc")
                    .execute();

            try (Worker worker = worker(DeliveryListener.NONE, OpenTelemetry.noop())) {
                worker.runOnce();
            }

            TestReceiver.Received got = receiver.received("/hook").get(0);
            assertEquals(traceparent, got.header("traceparent"));
            assertEquals("vendor=abc", got.header("tracestate"));
        }
    }

    private void malformedEvent() {
        dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload, traceparent) "
                + "VALUES ('acct_1', 'fileTask.completed', '{}', '00-not-a-trace-context')");
    }

    private static DeliveryListener countingMalformed(AtomicInteger count) {
        return new DeliveryListener() {
            @Override
            public void recorded(com.d3.webhooks.audit.AuditEntry entry, String settledAs) {
            }

            @Override
            public void traceContextMalformed() {
                count.incrementAndGet();
            }
        };
    }

    private Worker worker(DeliveryListener listener, OpenTelemetry tracing) {
        return new Worker(dsl, Fixtures.testConfig("w-1").build(), clock, listener, tracing);
    }

    private String traceparentOf(UUID eventId) {
        return dsl.select(WEBHOOK_OUTBOX.TRACEPARENT).from(WEBHOOK_OUTBOX).where(WEBHOOK_OUTBOX.EVENT_ID.eq(eventId))
                .fetchSingle().value1();
    }

    private static String traceparent(SpanData span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getSpanContext().getTraceFlags().asHex();
    }

    private List<SpanData> spans(String name) {
        return exported.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    }

    private static Object attr(SpanData span, String key) {
        return span.getAttributes().asMap().entrySet().stream().filter(e -> e.getKey().getKey().equals(key))
                .map(java.util.Map.Entry::getValue).findFirst().orElse(null);
    }
}
