package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.WebhookAuditLogsRecord;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker against real PostgreSQL and a real HTTP receiver on loopback, one pass at a time. */
class DeliveryTest {

    private final Fixtures fx = new Fixtures(TestDatabase.get().database().dsl());
    private final MutableClock clock = MutableClock.startingNow();
    private final TestReceiver receiver = new TestReceiver();
    private Worker worker;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
        worker = fx.worker(Fixtures.testConfig("w-1").build(), clock);
    }

    @AfterEach
    void close() {
        worker.close();
        receiver.close();
    }

    @Test
    void deliversTheDocumentedBodyAndHeaders() throws Exception {
        fx.endpoint("acct_1", receiver.url("/hook"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        UUID eventId = fx.event("acct_1", "fileTask.completed", "{\"fileTaskId\": \"f-1\", \"size\": 3}");

        assertEquals(1, worker.runOnce());

        TestReceiver.Received r = receiver.received().get(0);
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertEquals(eventId.toString(), body.get("id").asText());
        assertEquals("fileTask.completed", body.get("type").asText());
        assertEquals("acct_1", body.get("account_id").asText());
        assertEquals("f-1", body.at("/data/fileTaskId").asText());
        OffsetDateTime.parse(body.get("timestamp").asText());
        assertEquals("application/json", r.header("content-type"));
        assertTrue(r.header("user-agent").startsWith("D3-Webhook-Outbox/"));
        assertEquals("fileTask.completed", r.header("x-d3-event"));
        assertEquals(eventId.toString(), r.header("x-d3-event-id"));
        assertEquals("1", r.header("x-d3-attempt"));
        assertEquals(String.valueOf(fx.deliveries().get(0).getId()), r.header("x-d3-delivery"));
        assertEquals(String.valueOf(clock.instant().getEpochSecond()), r.header("x-d3-timestamp"));
        assertTrue(r.header("x-d3-signature").matches("sha256=[0-9a-f]{64}"));
        assertTrue(r.header("webhook-signature").startsWith("v1,"));
        assertEquals(eventId.toString(), r.header("webhook-id"));

        assertEquals("succeeded", fx.deliveries().get(0).getState());
        WebhookAuditLogsRecord audit = fx.audit().get(0);
        assertEquals("success", audit.getStatus());
        assertEquals(200, audit.getResponseStatus());
        assertEquals(1, audit.getAttemptNumber());
        assertEquals(r.bodyText(), audit.getPayload());
        assertEquals(receiver.url("/hook"), audit.getTargetUrl());
        assertEquals("fileTask.completed", audit.getEventType());
        assertNull(audit.getErrorMessage());
    }

    @Test
    void fansOutToEveryEnabledEndpointThatWantsTheType() {
        long all = fx.endpoint("acct_1", receiver.url("/all"), null);
        long ops = fx.endpoint("acct_1", receiver.url("/ops"), null, "operation.completed", "operation.failed");
        fx.endpoint("acct_2", receiver.url("/other-account"), null);
        fx.event("acct_1", "fileTask.completed", "{}");
        fx.event("acct_1", "operation.completed", "{}");

        worker.drainDue();

        assertEquals(2, receiver.received("/all").size());
        assertEquals(1, receiver.received("/ops").size());
        assertEquals("operation.completed", receiver.received("/ops").get(0).header("x-d3-event"));
        assertEquals(0, receiver.received("/other-account").size());
        assertEquals(List.of(all, all, ops),
                fx.deliveries().stream().map(d -> d.getEndpointId()).sorted().toList());
    }

    @Test
    void anEventWithNoMatchingEndpointIsRecordedAsSuch() {
        fx.endpoint("acct_1", receiver.url("/ops"), null, "operation.completed");
        UUID eventId = fx.event("acct_1", "fileTask.completed", "{}");

        worker.drainDue();

        var row = TestDatabase.get().database().dsl().fetchOne(
                "select routing_state, delivery_count from webhook_outbox where event_id = ?", eventId);
        assertEquals("no_endpoint", row.get(0));
        assertEquals(0, row.get(1, Integer.class));
        assertTrue(receiver.received().isEmpty());
    }

    @Test
    void aFailedAttemptIsRetriedOnScheduleThenSucceedsWithTheSameBody() {
        AtomicInteger calls = new AtomicInteger();
        receiver.on("/flaky", r -> calls.incrementAndGet() == 1 ? Reply.status(500).withBody("boom") : Reply.status(204));
        fx.endpoint("acct_1", receiver.url("/flaky"), "secret");
        fx.event("acct_1", "fileTask.failed", "{\"error\": \"disk full\"}");

        worker.runOnce();
        var afterFirst = fx.deliveries().get(0);
        assertEquals("pending", afterFirst.getState());
        assertEquals("HTTP 500", afterFirst.getLastError());
        assertEquals(clock.instant().plusSeconds(10), afterFirst.getNextAttemptAt().toInstant());

        assertEquals(0, worker.runOnce(), "not due before the scheduled delay");
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, worker.runOnce());

        assertEquals("succeeded", fx.deliveries().get(0).getState());
        List<WebhookAuditLogsRecord> audit = fx.audit();
        assertEquals(List.of(1, 2), audit.stream().map(WebhookAuditLogsRecord::getAttemptNumber).toList());
        assertEquals(List.of("failed", "success"), audit.stream().map(WebhookAuditLogsRecord::getStatus).toList());
        assertEquals("boom", audit.get(0).getResponseBody());
        assertEquals(audit.get(0).getPayload(), audit.get(1).getPayload());
        var received = receiver.received("/flaky");
        assertEquals(received.get(0).bodyText(), received.get(1).bodyText());
        assertEquals("2", received.get(1).header("x-d3-attempt"));
    }

    @Test
    void aDeliveryFailsForGoodWhenTheScheduleIsSpent() {
        receiver.on("/down", r -> Reply.status(503));
        fx.endpoint("acct_1", receiver.url("/down"), null);
        fx.event("acct_1", "operation.failed", "{}");

        worker.runOnce();
        clock.advance(Duration.ofSeconds(10));
        worker.runOnce();
        clock.advance(Duration.ofMinutes(1));
        worker.runOnce();
        clock.advance(Duration.ofDays(1));
        assertEquals(0, worker.runOnce(), "nothing is due after the last attempt");

        var d = fx.deliveries().get(0);
        assertEquals("failed", d.getState());
        assertEquals(3, d.getAttempts());
        assertNotNull(d.getCompletedAt());
        assertEquals(3, fx.audit().size());
        assertTrue(fx.audit().stream().allMatch(a -> a.getStatus().equals("failed") && a.getResponseStatus() == 503));
    }

    @Test
    void aRedirectIsNotFollowedAndCountsAsAFailure() {
        receiver.on("/moved", r -> Reply.status(301).withHeader("Location", receiver.url("/target")));
        fx.endpoint("acct_1", receiver.url("/moved"), null);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.runOnce();

        assertTrue(receiver.received("/target").isEmpty());
        WebhookAuditLogsRecord a = fx.audit().get(0);
        assertEquals("failed", a.getStatus());
        assertEquals(301, a.getResponseStatus());
        assertTrue(a.getErrorMessage().contains("redirect not followed"), a.getErrorMessage());
        assertEquals("pending", fx.deliveries().get(0).getState());
    }

    @Test
    void aReceiverSlowerThanTheRequestTimeoutIsAFailedAttempt() {
        receiver.on("/slow", r -> Reply.status(200).delayed(5_000));
        worker.close();
        worker = fx.worker(Fixtures.testConfig("w-1").requestTimeout(Duration.ofMillis(500)).build(), clock);
        fx.endpoint("acct_1", receiver.url("/slow"), null);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.runOnce();

        WebhookAuditLogsRecord a = fx.audit().get(0);
        assertEquals("failed", a.getStatus());
        assertNull(a.getResponseStatus());
        assertTrue(a.getErrorMessage().startsWith("timeout"), a.getErrorMessage());
        assertTrue(a.getDurationMs() >= 450 && a.getDurationMs() < 4_000, "duration " + a.getDurationMs());
    }

    @Test
    void retryAfterOnA429IsHonouredWhenLongerThanTheSchedule() {
        receiver.on("/busy", r -> Reply.status(429).withHeader("Retry-After", "120"));
        fx.endpoint("acct_1", receiver.url("/busy"), null);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.runOnce();

        assertEquals(clock.instant().plusSeconds(120), fx.deliveries().get(0).getNextAttemptAt().toInstant());
    }

    @Test
    void aRetryAfterBeyondTheBoundIsCapped() {
        receiver.on("/busy", r -> Reply.status(503).withHeader("Retry-After", "999999"));
        worker.close();
        worker = fx.worker(Fixtures.testConfig("w-1").maxRetryAfter(Duration.ofMinutes(5)).build(), clock);
        fx.endpoint("acct_1", receiver.url("/busy"), null);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.runOnce();

        assertEquals(clock.instant().plus(Duration.ofMinutes(5)), fx.deliveries().get(0).getNextAttemptAt().toInstant());
    }

    @Test
    void aRefusedConnectionIsAFailedAttemptWithAPreciseError() {
        fx.endpoint("acct_1", "http://127.0.0.1:1/closed", null);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.runOnce();

        WebhookAuditLogsRecord a = fx.audit().get(0);
        assertEquals("failed", a.getStatus());
        assertTrue(a.getErrorMessage().startsWith("connection refused by 127.0.0.1:1"), a.getErrorMessage());
    }

    @Test
    void loopbackIsRefusedUnlessPrivateNetworksAreAllowed() {
        worker.close();
        worker = fx.worker(Fixtures.testConfig("w-1").allowPrivateNetwork(false).build(), clock);
        fx.endpoint("acct_1", receiver.url("/hook"), null);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.runOnce();

        assertTrue(receiver.received().isEmpty());
        WebhookAuditLogsRecord a = fx.audit().get(0);
        assertEquals("failed", a.getStatus());
        assertTrue(a.getErrorMessage().contains("127.0.0.1"), a.getErrorMessage());
        assertTrue(a.getErrorMessage().contains("--allow-private-network"), a.getErrorMessage());
    }

    @Test
    void aDisabledEndpointsDeliveryIsPausedWithoutAnAttempt() {
        long id = fx.endpoint("acct_1", receiver.url("/hook"), null);
        fx.event("acct_1", "fileTask.completed", "{}");
        new EventRouter(TestDatabase.get().database().dsl(), 100, 1024).routeBatch(clock.instant());
        TestDatabase.get().database().dsl().execute("update webhook_endpoints set enabled = false where id = ?", id);

        worker.runOnce();

        var d = fx.deliveries().get(0);
        assertEquals("paused", d.getState());
        assertEquals(0, d.getAttempts());
        assertTrue(receiver.received().isEmpty());
        assertTrue(fx.audit().isEmpty());
    }

    @Test
    void plainHttpIsRefusedWhenHttpsIsRequired() {
        worker.close();
        worker = fx.worker(Fixtures.testConfig("w-1").requireHttps(true).build(), clock);
        fx.endpoint("acct_1", receiver.url("/hook"), null);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.runOnce();

        assertTrue(receiver.received().isEmpty());
        assertTrue(fx.audit().get(0).getErrorMessage().contains("--require-https"), fx.audit().get(0).getErrorMessage());
        assertEquals("pending", fx.deliveries().get(0).getState());
    }
}
