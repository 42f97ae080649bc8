package com.d3.webhooks.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.d3.webhooks.delivery.RetrySchedule;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retention: old finished history goes, in batches; work that is pending or in flight stays. */
class PruneTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final Rows rows = new Rows(dsl);
    private final Instant now = Instant.now();
    private final Instant old = now.minus(Duration.ofDays(40));
    private final Instant cutoff = now.minus(Duration.ofDays(30));
    private long endpoint;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
        endpoint = fx.endpoint("acct_1", "https://example.com/hooks", null);
    }

    private Set<Long> ids(String table) {
        return new TreeSet<>(dsl.fetch("select id from " + table).getValues(0, Long.class));
    }

    private long outboxOf(long deliveryId) {
        return fx.delivery(deliveryId).getOutboxId();
    }

    @Test
    void deletesOldFinishedHistoryAndLeavesPendingAndInFlightWorkAlone() throws Exception {
        long oldOk = rows.delivery(endpoint, "acct_1", "succeeded", 1, old);
        long oldFailed = rows.delivery(endpoint, "acct_1", "failed", 8, old);
        long oldPending = rows.delivery(endpoint, "acct_1", "pending", 3, old);
        long oldInFlight = rows.delivery(endpoint, "acct_1", "in_flight", 2, old);
        long recentOk = rows.delivery(endpoint, "acct_1", "succeeded", 1, now.minus(Duration.ofDays(1)));
        rows.attempt(oldOk, 1, true, 10, old);
        rows.attempt(oldPending, 3, false, 10, old);
        rows.attempt(recentOk, 1, true, 10, now.minus(Duration.ofDays(1)));
        long rejected = rows.outbox("acct_1", "fileTask.completed", old, "rejected");
        long noEndpoint = rows.outbox("acct_1", "fileTask.completed", old, "no_endpoint");
        long unrouted = rows.outbox("acct_1", "fileTask.completed", old, null);
        long recentNoEndpoint = rows.outbox("acct_1", "fileTask.completed", now, "no_endpoint");
        var before = dsl.fetch("select * from webhook_deliveries order by id");

        Prune prune = new Prune(dsl);
        Prune.Counts plan = prune.plan(cutoff);
        assertEquals(before, dsl.fetch("select * from webhook_deliveries order by id"), "a plan changes nothing");
        List<String> progress = new ArrayList<>();
        Prune.Counts done = prune.run(cutoff, 1, Duration.ZERO, (table, n) -> progress.add(table + " " + n));

        assertEquals(new Prune.Counts(2, 2, 4), done);
        assertEquals(done, plan, "the plan counts what the run deletes");
        assertEquals(Set.of(oldPending, oldInFlight, recentOk), ids("webhook_deliveries"));
        assertEquals(new TreeSet<>(List.of(outboxOf(oldPending), outboxOf(oldInFlight), outboxOf(recentOk), unrouted,
                recentNoEndpoint)), ids("webhook_outbox"));
        assertEquals(1, dsl.fetchCount(dsl.selectFrom("webhook_audit_logs")), "the recent attempt stays");
        assertEquals(List.of("webhook_audit_logs 1", "webhook_audit_logs 2", "webhook_deliveries 1",
                "webhook_deliveries 2", "webhook_outbox 1", "webhook_outbox 2", "webhook_outbox 3",
                "webhook_outbox 4"), progress, "one row per batch with --batch-size 1");
        assertEquals(new Prune.Counts(0, 0, 0), prune.run(cutoff, 100, Duration.ZERO, (t, n) -> { }),
                "a second run finds nothing");
        assertFalse(ids("webhook_outbox").contains(rejected) || ids("webhook_outbox").contains(noEndpoint),
                "old rejected and no_endpoint events go");
    }

    @Test
    void anOutboxRowStaysWhileAnyOfItsDeliveriesStays() throws Exception {
        long d1 = rows.delivery(endpoint, "acct_1", "succeeded", 1, old);
        long other = fx.endpoint("acct_1", "https://other.example.com", null);
        long outbox = outboxOf(d1);
        var e = dsl.selectFrom(com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES)
                .where(com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES.ID.eq(d1)).fetchSingle();
        dsl.execute("insert into webhook_deliveries (outbox_id, event_id, endpoint_id, account_id, event_type, state, "
                + "attempts, next_attempt_at, created_at, updated_at) values (?, ?, ?, 'acct_1', 'fileTask.completed', "
                + "'pending', 0, now(), now(), now())", outbox, e.getEventId(), other);

        Prune.Counts done = new Prune(dsl).run(cutoff, 100, Duration.ZERO, (t, n) -> { });

        assertEquals(new Prune.Counts(0, 1, 0), done);
        assertEquals(Set.of(outbox), ids("webhook_outbox"));
    }

    @Test
    void skippedDeliveriesAreFinishedAndGoWithTheirEvents() throws Exception {
        rows.delivery(endpoint, "acct_1", "skipped", 8, old);
        long recentSkipped = rows.delivery(endpoint, "acct_1", "skipped", 8, now.minus(Duration.ofDays(1)));

        Prune prune = new Prune(dsl);
        assertEquals(new Prune.Counts(0, 1, 1), prune.plan(cutoff));
        assertEquals(new Prune.Counts(0, 1, 1), prune.run(cutoff, 100, Duration.ZERO, (t, n) -> { }));

        assertEquals(Set.of(recentSkipped), ids("webhook_deliveries"));
        assertEquals(Set.of(outboxOf(recentSkipped)), ids("webhook_outbox"), "the old event goes with it");
    }

    /**
     * A failed delivery that blocks its ordered key is not finished: prune leaves it (and its
     * event, whose payload a replay sends), says how many such keys it left, and the key stays
     * listed and replayable in order.
     */
    @Test
    void aFailedDeliveryBlockingAnOrderedKeyStaysAndItsReplayDeliversTheKeyInOrder() throws Exception {
        Set<String> healed = ConcurrentHashMap.newKeySet();
        MutableClock clock = MutableClock.startingNow();
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/ordered", r -> r.bodyText().contains("\"step\": 1") && healed.isEmpty()
                    ? Reply.status(500) : Reply.status(200));
            fx.orderedEndpoint("acct_2", receiver.url("/ordered"), null);
            for (int step = 1; step <= 3; step++) {
                fx.keyedEvent("acct_2", "fileTask.completed", "{\"step\": " + step + "}", "A");
            }
            try (Worker worker = fx.worker(Fixtures.testConfig("w-1").retrySchedule(RetrySchedule.parse("none", 0))
                    .build(), clock)) {
                worker.drainDue();
                long head = blockedHead();
                dsl.execute("update webhook_deliveries set completed_at = ?::timestamptz where id = ?", Rows.utc(old), head);
                dsl.execute("update webhook_outbox set created_at = ?::timestamptz", Rows.utc(old));

                Prune prune = new Prune(dsl);
                assertEquals(new Prune.Counts(0, 0, 0, 0, 1), prune.plan(cutoff));
                assertEquals(new Prune.Counts(0, 0, 0, 0, 1), prune.run(cutoff, 100, Duration.ZERO, (t, n) -> { }),
                        "nothing deleted; one blocked key left");
                assertEquals(List.of(head), new DeliveryQueries(dsl).blocked(10).stream()
                        .map(DeliveryQueries.BlockedKey::failedDeliveryId).toList(), "the key is still blocked");
                assertEquals(2, new DeliveryQueries(dsl).blocked(10).get(0).waiting());
                assertEquals(3, ids("webhook_outbox").size(), "every event of the key stays");

                healed.add("A1");
                assertEquals(1, new Replay(dsl).run(DeliveryFilter.all().withDeliveryIds(List.of(head))
                        .withStates(List.of("failed")), 100, clock.instant(), n -> { }));
                worker.drainDue();
            }
            assertEquals(List.of("1", "1", "2", "3"), receiver.received().stream()
                    .map(r -> r.bodyText().replaceAll(".*\"step\": (\\d+).*", "$1")).toList());
        }
        assertEquals(List.of("succeeded", "succeeded", "succeeded"),
                fx.deliveries().stream().map(d -> d.getState()).toList());
    }

    private long blockedHead() {
        List<DeliveryQueries.BlockedKey> blocked = new DeliveryQueries(dsl).blocked(10);
        assertEquals(1, blocked.size(), "the key is blocked by its first delivery");
        return blocked.get(0).failedDeliveryId();
    }

    @Test
    void manyRowsGoInBatches() throws Exception {
        rows.failedDeliveries(endpoint, "acct_1", 2500, 8, old);

        List<Long> progress = new ArrayList<>();
        Prune.Counts done = new Prune(dsl).run(cutoff, 1000, Duration.ZERO, (table, n) -> {
            if (table.equals("webhook_deliveries")) {
                progress.add(n);
            }
        });

        assertEquals(new Prune.Counts(0, 2500, 2500), done);
        assertEquals(List.of(1000L, 2000L, 2500L), progress);
        assertEquals(Set.of(), ids("webhook_outbox"));
    }
}
