package com.d3.webhooks.delivery;

import com.d3.webhooks.state.DeliveryState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.WebhookAuditLogsRecord;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A worker that claims and then dies: its deliveries come back after the lease, fenced. */
class LeaseTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final TestReceiver receiver = new TestReceiver();
    private final DeliveryRepository repository = new DeliveryRepository(dsl);

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    @Test
    void deliveriesOfAWorkerKilledMidBatchAreDeliveredByAnotherAfterTheLease() {
        fx.endpoint("acct_1", receiver.url("/hook"), null);
        for (int i = 0; i < 20; i++) {
            fx.event("acct_1", "fileTask.completed", "{\"n\": " + i + "}");
        }
        new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());
        // The dead worker claimed 12 deliveries, then vanished without a word.
        List<ClaimedDelivery> lost = repository.claim("w-dead", 12, clock.instant(), Duration.ofSeconds(30));
        assertEquals(12, lost.size());

        try (Worker survivor = fx.worker(Fixtures.testConfig("w-2").build(), clock)) {
            survivor.drainDue();
            assertEquals(8, receiver.received().size(), "only unclaimed deliveries before the lease expires");

            clock.advance(Duration.ofSeconds(31));
            survivor.drainDue();
        }

        assertEquals(20, receiver.received().size());
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
        List<WebhookAuditLogsRecord> lostAttempts = fx.audit().stream()
                .filter(a -> a.getStatus().equals("failed")).toList();
        assertEquals(12, lostAttempts.size(), "each lost attempt is audited");
        assertTrue(lostAttempts.get(0).getErrorMessage().contains("w-dead"), lostAttempts.get(0).getErrorMessage());
        assertTrue(fx.audit().stream().filter(a -> a.getStatus().equals("success"))
                .allMatch(a -> a.getAttemptNumber() == (lost.stream()
                        .anyMatch(l -> l.deliveryId() == a.getDeliveryId()) ? 2 : 1)));
    }

    @Test
    void aLateWorkerCannotOverwriteADeliveryAnotherWorkerTookOver() {
        fx.endpoint("acct_1", receiver.url("/hook"), null);
        fx.event("acct_1", "fileTask.completed", "{}");
        new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());
        ClaimedDelivery slow = repository.claim("w-slow", 1, clock.instant(), Duration.ofSeconds(30)).get(0);

        clock.advance(Duration.ofSeconds(31));
        try (Worker other = fx.worker(Fixtures.testConfig("w-2").build(), clock)) {
            other.drainDue();
        }
        assertEquals("succeeded", fx.deliveries().get(0).getState());

        // The slow worker finally reports a failure: the fence refuses it.
        var lateReport = new DeliveryRepository.Settlement(slow.deliveryId(), slow.attempt(), DeliveryState.PENDING,
                clock.instant(), 500, "HTTP 500");
        var applied = dsl.transactionResult(cfg -> repository.settle(cfg.dsl(), "w-slow", List.of(lateReport),
                clock.instant()));
        assertTrue(applied.isEmpty());
        assertEquals("succeeded", fx.deliveries().get(0).getState());
    }

    @Test
    void aLostLastAttemptFailsTheDeliveryForGood() {
        fx.endpoint("acct_1", receiver.url("/hook"), null);
        fx.event("acct_1", "fileTask.completed", "{}");
        new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());
        try (Worker worker = fx.worker(Fixtures.testConfig("w-2").retrySchedule(RetrySchedule.parse("none", 0))
                .build(), clock)) {
            repository.claim("w-dead", 1, clock.instant(), Duration.ofSeconds(30));
            clock.advance(Duration.ofSeconds(31));
            worker.runOnce();
        }
        assertEquals("failed", fx.deliveries().get(0).getState());
        assertTrue(receiver.received().isEmpty());
    }

    @Test
    void aLostLastAttemptOfAnOrderedKeyLetsTheKeyMoveOnUnderTheSkipPolicy() {
        long endpoint = fx.orderedEndpoint("acct_1", receiver.url("/hook"), null);
        new com.d3.webhooks.endpoints.EndpointRepository(dsl).setOnExhausted(endpoint,
                com.d3.webhooks.endpoints.OnExhausted.SKIP, clock.instant());
        fx.keyedEvent("acct_1", "fileTask.completed", "{\"step\": 1}", "A");
        fx.keyedEvent("acct_1", "fileTask.completed", "{\"step\": 2}", "A");
        new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());
        try (Worker worker = fx.worker(Fixtures.testConfig("w-2").retrySchedule(RetrySchedule.parse("none", 0))
                .build(), clock)) {
            assertEquals(1, repository.claim("w-dead", 2, clock.instant(), Duration.ofSeconds(30)).size(),
                    "only the key's head is claimable");
            clock.advance(Duration.ofSeconds(31));
            worker.drainDue();
        }
        var byOutbox = fx.deliveries().stream()
                .sorted(java.util.Comparator.comparing(d -> d.getOutboxId())).map(d -> d.getState()).toList();
        assertEquals(List.of("failed", "succeeded"), byOutbox);
        assertEquals(1, receiver.received().size());
    }
}
