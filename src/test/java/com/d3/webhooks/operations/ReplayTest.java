package com.d3.webhooks.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.WebhookDeliveriesRecord;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Replay's statements one by one, against real PostgreSQL. */
class ReplayTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final Rows rows = new Rows(dsl);
    private final Replay replay = new Replay(dsl);
    private final Instant now = Instant.now();
    private final DeliveryFilter failed = DeliveryFilter.all().withStates(List.of("failed"));
    private long endpoint;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
        endpoint = fx.endpoint("acct_1", "https://example.com/hooks", null);
    }

    private Result<Record> snapshot() {
        return dsl.fetch("select * from webhook_deliveries order by id");
    }

    @Test
    void aReplayedDeliveryIsDueNowWithAFreshBudgetAndItsHistoryKept() {
        long id = rows.delivery(endpoint, "acct_1", "failed", 3, now.minusSeconds(3600));
        rows.attempt(id, 3, false, 20, now.minusSeconds(3600));

        assertEquals(1, replay.run(failed, 100, now, n -> { }));

        WebhookDeliveriesRecord d = fx.delivery(id);
        assertEquals("pending", d.getState());
        assertEquals(3, d.getAttempts(), "the numbering continues");
        assertEquals(3, d.getRetryBase(), "the next attempt is the first of a new budget");
        assertEquals(Rows.utc(now), d.getNextAttemptAt());
        assertNull(d.getCompletedAt());
        assertTrue(d.getLastError().startsWith("replayed by an operator at "), d.getLastError());
        assertTrue(d.getLastError().endsWith("(was failed: HTTP 503)"), d.getLastError());
        assertEquals(1, fx.audit().size(), "audit history is kept");
    }

    @Test
    void aReplayedDeliveryGetsTheWholeRetryScheduleAgainAndContinuesTheNumbering() {
        try (TestReceiver receiver = new TestReceiver()) {
            AtomicInteger calls = new AtomicInteger();
            receiver.on("/hook", r -> calls.incrementAndGet() <= 4 ? Reply.status(503) : Reply.status(200));
            long ep = fx.endpoint("acct_2", receiver.url("/hook"), null);
            MutableClock clock = MutableClock.startingNow();
            fx.event("acct_2", "fileTask.completed", "{}");
            try (Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), clock)) {
                worker.runOnce();
                clock.advance(Duration.ofSeconds(10));
                worker.runOnce();
                clock.advance(Duration.ofMinutes(1));
                worker.runOnce();
                long id = fx.deliveries().get(0).getId();
                assertEquals("failed", fx.delivery(id).getState(), "three attempts: the 10s,1m schedule is spent");

                replay.run(DeliveryFilter.all().withEndpoint(ep).withStates(List.of("failed")), 100, clock.instant(),
                        n -> { });
                worker.runOnce();
                assertEquals("pending", fx.delivery(id).getState(), "attempt 4 failed; a retry is due (new budget)");
                clock.advance(Duration.ofSeconds(10));
                worker.runOnce();

                assertEquals("succeeded", fx.delivery(id).getState());
                assertEquals(List.of(1, 2, 3, 4, 5), fx.audit().stream().map(a -> a.getAttemptNumber()).toList());
                assertEquals(List.of("1", "2", "3", "4", "5"),
                        receiver.received().stream().map(r -> r.header("x-d3-attempt")).toList());
            }
        }
    }

    @Test
    void countAndPreviewChangeNothing() {
        for (int i = 0; i < 30; i++) {
            rows.delivery(endpoint, "acct_1", "failed", 3, now.minusSeconds(60));
        }
        var before = snapshot();

        assertEquals(30, replay.count(failed));
        List<DeliverySummary> first = replay.preview(failed, 20);
        assertTrue(replay.disabledEndpoints(failed).isEmpty());

        assertEquals(20, first.size());
        assertEquals(first.stream().map(DeliverySummary::id).sorted().toList(),
                first.stream().map(DeliverySummary::id).toList(), "in the order a replay takes them");
        assertEquals(before, snapshot());
    }

    @Test
    void neverTouchesInFlightOrSucceededUnlessAsked() {
        long inFlight = rows.delivery(endpoint, "acct_1", "in_flight", 2, now);
        long succeeded = rows.delivery(endpoint, "acct_1", "succeeded", 1, now.minusSeconds(60));
        long failedId = rows.delivery(endpoint, "acct_1", "failed", 3, now.minusSeconds(60));
        WebhookDeliveriesRecord leased = fx.delivery(inFlight);

        assertEquals(1, replay.run(DeliveryFilter.all().withStates(List.of("failed", "pending")), 100, now, n -> { }));
        assertEquals(leased, fx.delivery(inFlight));
        assertEquals("succeeded", fx.delivery(succeeded).getState());
        assertEquals("pending", fx.delivery(failedId).getState());
        assertThrows(IllegalArgumentException.class,
                () -> replay.run(DeliveryFilter.all().withStates(List.of("in_flight")), 100, now, n -> { }));

        assertEquals(1, replay.run(DeliveryFilter.all().withStates(List.of("succeeded")), 100, now, n -> { }));
        assertEquals("pending", fx.delivery(succeeded).getState());
        assertEquals(leased, fx.delivery(inFlight));
    }

    @Test
    void aSecondRunOfTheSameReplayFindsNothingToDo() {
        for (int i = 0; i < 10; i++) {
            rows.delivery(endpoint, "acct_1", "failed", 3, now.minusSeconds(60));
        }
        assertEquals(10, replay.run(failed, 3, now, n -> { }));
        var after = snapshot();

        assertEquals(0, replay.run(failed, 3, now.plusSeconds(5), n -> { }));
        assertEquals(0, replay.count(failed));
        assertEquals(after, snapshot());
    }

    @Test
    void rowsAnotherTransactionHoldsAreSkippedNotWaitedFor() throws Exception {
        long held = rows.delivery(endpoint, "acct_1", "failed", 3, now.minusSeconds(60));
        long free = rows.delivery(endpoint, "acct_1", "failed", 3, now.minusSeconds(60));
        try (Connection c = TestDatabase.get().database().dataSource().getConnection()) {
            c.setAutoCommit(false);
            c.createStatement().execute("select * from webhook_deliveries where id = " + held + " for update");

            assertEquals(1, replay.run(failed, 100, now, n -> { }));

            c.rollback();
        }
        assertEquals("failed", fx.delivery(held).getState());
        assertEquals("pending", fx.delivery(free).getState());
    }

    @Test
    void fiveThousandDeliveriesAreReplayedInBatchesOfAThousand() {
        rows.failedDeliveries(endpoint, "acct_1", 5000, 8, now.minusSeconds(3600));
        long other = fx.endpoint("acct_2", "https://example.org/hooks", null);
        rows.failedDeliveries(other, "acct_2", 50, 8, now.minusSeconds(3600));
        List<Long> progress = new ArrayList<>();

        long replayed = replay.run(failed.withEndpoint(endpoint), 1000, now, progress::add);

        assertEquals(5000, replayed);
        assertEquals(List.of(1000L, 2000L, 3000L, 4000L, 5000L), progress);
        var states = dsl.fetch("select endpoint_id, state, count(*) n, min(retry_base) lo, max(retry_base) hi "
                + "from webhook_deliveries group by 1, 2 order by 1, 2");
        assertEquals(2, states.size());
        assertEquals("pending", states.get(0).get("state"));
        assertEquals(5000L, states.get(0).get("n", Long.class));
        assertEquals(8, states.get(0).get("lo", Integer.class));
        assertEquals(8, states.get(0).get("hi", Integer.class));
        assertEquals("failed", states.get(1).get("state"), "another endpoint's deliveries are not selected");
    }

    @Test
    void selectsByEventTypeAccountTimeAndIds() {
        long a = rows.delivery(endpoint, "acct_1", "operation.failed", "failed", 3, now.minusSeconds(7200));
        long b = rows.delivery(endpoint, "acct_1", "fileTask.completed", "failed", 3, now.minusSeconds(60));
        long c = rows.delivery(endpoint, "acct_1", "fileTask.completed", "failed", 3, now.minusSeconds(30));

        assertEquals(1, replay.count(failed.withEventType("operation.failed")));
        assertEquals(2, replay.count(failed.between(now.minusSeconds(3600), null)));
        assertEquals(1, replay.count(failed.between(now.minusSeconds(3600), now.minusSeconds(45))));
        assertEquals(2, replay.count(failed.withDeliveryIds(List.of(a, c))));
        assertEquals(0, replay.count(failed.withAccount("acct_9")));
        var event = fx.delivery(b).getEventId();
        assertEquals(List.of(b), replay.preview(failed.withEvent(event), 10).stream().map(DeliverySummary::id).toList());
    }

    @Test
    void disabledEndpointsAmongTheSelectionAreNamed() {
        long off = fx.endpoint("acct_1", "https://example.org/hooks", null);
        rows.delivery(endpoint, "acct_1", "failed", 3, now);
        rows.delivery(off, "acct_1", "failed", 3, now);
        dsl.execute("update webhook_endpoints set enabled = false where id = ?", off);

        assertEquals(List.of(off), replay.disabledEndpoints(failed));
        assertEquals(List.of(), replay.disabledEndpoints(failed.withEndpoint(endpoint)));
    }
}
