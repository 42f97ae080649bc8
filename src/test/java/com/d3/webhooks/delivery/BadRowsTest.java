package com.d3.webhooks.delivery;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX_UNROUTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.util.Map;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;

/** Rows the application wrote by plain SQL that cannot be sent: recorded, listable, never fatal. */
class BadRowsTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void unusableRowsAreRejectedWithAReasonAndTheGoodOnesStillGo() {
        TestDatabase.get().reset();
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").maxPayloadBytes(1024).build(),
                     MutableClock.startingNow())) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            insert("acct_1", "fileTask.completed", "[1, 2, 3]");
            insert("acct_1", "fileTask.completed", "\"just a string\"");
            insert("acct_1", "fileTask.completed", "{\"blob\": \"" + "x".repeat(2000) + "\"}");
            insert("acct_1", "completed!", "{}");
            insert("acct_1", "", "{}");
            insert("", "fileTask.completed", "{}");
            insert("acct_1", "fileTask.completed", "{\"ok\": true}");
            insert("acct_without_endpoint", "fileTask.completed", "{}");

            worker.drainDue();

            assertEquals(1, receiver.received().size());
            assertTrue(receiver.received().get(0).bodyText().contains("\"ok\": true"));
            Map<String, String> outcome = dsl.select(WEBHOOK_OUTBOX.ID, WEBHOOK_OUTBOX.ROUTING_STATE,
                            WEBHOOK_OUTBOX.ROUTING_ERROR).from(WEBHOOK_OUTBOX).orderBy(WEBHOOK_OUTBOX.ID).fetch()
                    .stream().collect(Collectors.toMap(r -> String.valueOf(r.value1()),
                            r -> r.value2() + (r.value3() == null ? "" : ": " + r.value3())));
            assertEquals("rejected: payload must be a JSON object, got a JSON array", outcome.get("1"));
            assertEquals("rejected: payload must be a JSON object, got a JSON string", outcome.get("2"));
            assertTrue(outcome.get("3").matches("rejected: payload is \\d+ bytes, over the limit of 1024 bytes"),
                    outcome.get("3"));
            assertTrue(outcome.get("4").startsWith("rejected: event type 'completed!' is malformed"), outcome.get("4"));
            assertEquals("rejected: event type is empty", outcome.get("5"));
            assertEquals("rejected: account_id is empty", outcome.get("6"));
            assertEquals("null", outcome.get("7"), "a routed event's row is not written again");
            assertEquals("no_endpoint", outcome.get("8"));
            assertEquals(0, dsl.fetchCount(WEBHOOK_OUTBOX_UNROUTED), "every event was taken off the routing queue");
        }
    }

    @Test
    void aWellFormedTypeOutsideTheCatalogueGoesOnlyToEndpointsThatTakeEveryType() {
        TestDatabase.get().reset();
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), MutableClock.startingNow())) {
            fx.endpoint("acct_1", receiver.url("/all"), null);
            fx.endpoint("acct_1", receiver.url("/files"), null, "fileTask.completed", "fileTask.failed");
            insert("acct_1", "fileTask.archived", "{}");

            worker.drainDue();

            assertEquals(1, receiver.received("/all").size());
            assertEquals(0, receiver.received("/files").size());
        }
    }

    @Test
    void anEndpointDisabledWhileItsDeliveryIsInFlightGetsThatAttemptOnlyAndTheRestWait() {
        TestDatabase.get().reset();
        MutableClock clock = MutableClock.startingNow();
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").concurrency(1).batchSize(1).build(), clock)) {
            long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
            receiver.on("/hook", r -> {
                if (receiver.received().size() == 1) {
                    // The dashboard disables the endpoint while the first request is on the wire.
                    dsl.execute("UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'customer asked',"
                            + " disabled_at = now() WHERE id = ?", endpoint);
                }
                return TestReceiver.Reply.status(200);
            });
            fx.event("acct_1", "fileTask.completed", "{\"n\": 1}");
            fx.event("acct_1", "fileTask.completed", "{\"n\": 2}");
            // Both routed while the endpoint is enabled (an event routed while it is disabled
            // gets no delivery for it at all: routing_state no_endpoint).
            new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());

            assertEquals(1, worker.runOnce(), "the first delivery, claimed while the endpoint was enabled");
            assertEquals(0, worker.runOnce(), "the second delivery is paused, not claimed");

            var first = fx.deliveries().get(0);
            var second = fx.deliveries().get(1);
            assertEquals("succeeded", first.getState(), "the attempt in flight finished and was recorded");
            assertEquals("paused", second.getState());
            assertEquals(0, second.getAttempts(), "no attempt was counted for the waiting delivery");
            assertEquals(1, receiver.received().size());
            assertEquals(1, fx.audit().size());

            dsl.execute("UPDATE webhook_endpoints SET enabled = true, disabled_reason = null WHERE id = ?", endpoint);
            worker.drainDue();
            assertEquals("succeeded", fx.delivery(second.getId()).getState(), "delivered once enabled again");
        }
    }

    @Test
    void anEndpointCannotBeDeletedWhileItHasDeliveries() {
        TestDatabase.get().reset();
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), MutableClock.startingNow())) {
            long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
            fx.event("acct_1", "fileTask.completed", "{}");
            worker.drainDue();

            var e = assertThrows(DataAccessException.class,
                    () -> dsl.execute("DELETE FROM webhook_endpoints WHERE id = ?", endpoint));
            assertTrue(e.getMessage().contains("webhook_deliveries_endpoint_fkey"), e.getMessage());
        }
    }

    @Test
    void anEndpointDeletedWithItsDeliveriesWhileAnAttemptIsInFlightLeavesTheAttemptAuditedAndTheWorkerGoing() {
        TestDatabase.get().reset();
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), MutableClock.startingNow())) {
            long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
            receiver.on("/hook", r -> {
                // The dashboard removes the endpoint and its history while the request is on the wire.
                dsl.transaction(cfg -> {
                    cfg.dsl().execute("DELETE FROM webhook_deliveries WHERE endpoint_id = ?", endpoint);
                    cfg.dsl().execute("DELETE FROM webhook_endpoints WHERE id = ?", endpoint);
                });
                return TestReceiver.Reply.status(200);
            });
            fx.event("acct_1", "fileTask.completed", "{}");

            assertEquals(1, worker.runOnce());

            assertTrue(fx.deliveries().isEmpty());
            assertEquals(1, fx.audit().size(), "the attempt that went out is still audited");
            assertEquals("success", fx.audit().get(0).getStatus());
            // The worker carries on: the account's next event has nowhere to go, and says so.
            insert("acct_1", "fileTask.completed", "{}");
            worker.drainDue();
            assertEquals("no_endpoint", dsl.fetchValue("SELECT routing_state FROM webhook_outbox ORDER BY id DESC "
                    + "LIMIT 1"));
        }
    }

    @Test
    void endpointRowsWrittenBySqlThatCannotBeUsedFailTheirAttemptsWithAReason() {
        TestDatabase.get().reset();
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), MutableClock.startingNow())) {
            dsl.execute("INSERT INTO webhook_endpoints (account_id, url) VALUES ('acct_1', 'http://exa^mple.com/x')");
            dsl.execute("INSERT INTO webhook_endpoints (account_id, url, secret) VALUES ('acct_2', "
                    + "'http://127.0.0.1:1/x', 'whsec_abcde')");
            insert("acct_1", "fileTask.completed", "{}");
            insert("acct_2", "fileTask.completed", "{}");

            worker.drainDue();

            Map<String, String> errors = fx.audit().stream()
                    .collect(Collectors.toMap(a -> a.getAccountId(), a -> a.getErrorMessage()));
            assertTrue(errors.get("acct_1").startsWith("invalid endpoint URL: endpoint URL is not a valid URL"),
                    errors.get("acct_1"));
            assertEquals("endpoint secret is unusable: webhook secret starts with whsec_ but the rest is not valid "
                    + "standard base64 (A-Z a-z 0-9 + / and '=' padding)", errors.get("acct_2"));
            assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("pending")),
                    "retried on schedule, in case the row is corrected");
        }
    }

    private void insert(String account, String type, String payload) {
        dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES (?, ?, ?::jsonb)",
                account, type, payload);
    }
}
