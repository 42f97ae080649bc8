package com.d3.webhooks.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.ClaimedDelivery;
import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.DeliveryRepository;
import com.d3.webhooks.delivery.EventRouter;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.testing.FaultReport;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * Two workers started with the same --worker-id by mistake. The lease fence is (delivery,
 * state in_flight, worker id, attempt number); the attempt number is counted at each claim and
 * never reused, so two workers with one name still cannot complete a delivery twice.
 */
class SameWorkerIdTest {

    private static final int EVENTS = 500;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void twoWorkersWithOneNameShareTheWorkWithoutCompletingAnyDeliveryTwice() throws Exception {
        TestDatabase.get().reset();
        long started = System.nanoTime();
        Map<Long, Integer> completions = new ConcurrentHashMap<>();
        DeliveryListener count = (entry, settledAs) -> {
            if (settledAs.equals("succeeded")) {
                completions.merge(entry.deliveryId(), 1, Integer::sum);
            }
        };
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            fx.numberedEvents("acct_1", EVENTS);
            try (Worker a = new Worker(dsl, Fixtures.testConfig("same-name").batchSize(20).exitWhenIdle(true).build(),
                    Clock.systemUTC(), count);
                 Worker b = new Worker(dsl, Fixtures.testConfig("same-name").batchSize(20).exitWhenIdle(true).build(),
                         Clock.systemUTC(), count)) {
                a.start();
                b.start();
                a.awaitStopped();
                b.awaitStopped();
            }

            Map<String, Long> arrivals = receiver.received().stream()
                    .collect(Collectors.groupingBy(r -> r.header("x-d3-delivery"), Collectors.counting()));
            assertEquals(EVENTS, completions.size(), "every delivery completed");
            assertTrue(completions.values().stream().allMatch(n -> n == 1), "no delivery completed twice");
            assertEquals(EVENTS, arrivals.size());
            assertTrue(arrivals.values().stream().allMatch(n -> n == 1), "no delivery sent twice");
            assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
            FaultReport.row("two workers, same --worker-id", "2 workers named same-name drain together", EVENTS,
                    arrivals.size(), receiver.received().size() - arrivals.size(), EVENTS - arrivals.size(),
                    "each delivery completed exactly once; "
                            + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
        }
    }

    @Test
    void aStalledWorkerCannotCompleteWhatItsNamesakeTookOverAfterTheLease() {
        TestDatabase.get().reset();
        MutableClock clock = MutableClock.startingNow();
        DeliveryRepository repository = new DeliveryRepository(dsl);
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            fx.event("acct_1", "fileTask.completed", "{}");
            new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());
            // The first "same-name" claims, then stalls past its lease.
            ClaimedDelivery stalled = repository.claim("same-name", 1, clock.instant(), Duration.ofSeconds(30)).get(0);
            clock.advance(Duration.ofSeconds(31));
            try (Worker namesake = fx.worker(Fixtures.testConfig("same-name").build(), clock)) {
                namesake.drainDue();
            }
            assertEquals("succeeded", fx.deliveries().get(0).getState());
            assertEquals(2, fx.deliveries().get(0).getAttempts());

            // The stalled one wakes up and reports success for attempt 1: same name, but the
            // attempt number no longer matches, so nothing changes.
            var lateSuccess = new DeliveryRepository.Settlement(stalled.deliveryId(), stalled.attempt(), com.d3.webhooks.state.DeliveryState.SUCCEEDED,
                    null, 200, null);
            boolean applied = !dsl.transactionResult(cfg -> repository.settle(cfg.dsl(), "same-name",
                    java.util.List.of(lateSuccess), clock.instant())).isEmpty();
            assertFalse(applied);
            boolean released = dsl.transactionResult(cfg -> repository.release(cfg.dsl(), stalled, "same-name",
                    clock.instant(), "stopping", clock.instant()));
            assertFalse(released, "nor can it give back a delivery it no longer holds");
            assertEquals("succeeded", fx.deliveries().get(0).getState());
            assertEquals(2, fx.deliveries().get(0).getAttempts());
            assertEquals(List.of(1, 2), fx.audit().stream().map(a -> a.getAttemptNumber()).toList());
        }
    }
}
