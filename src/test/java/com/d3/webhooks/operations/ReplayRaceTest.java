package com.d3.webhooks.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A replay of a few hundred failed deliveries while a real worker runs: new events for the same
 * endpoint keep arriving between the replay's batches, and the replay waits mid-way until the
 * worker has sent some of the deliveries it already replayed, so claims, sends and replay
 * batches really interleave. Every delivery arrives exactly once, with the attempt number it
 * should have.
 */
class ReplayRaceTest {

    private static final int FAILED = 300;
    private static final int BATCH = 20;
    private static final int NEW_EVENTS_PER_BATCH = 5;
    private static final int NEW_EVENTS = FAILED / BATCH * NEW_EVENTS_PER_BATCH;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @Test
    void replayWhileAWorkerRunsSendsEachDeliveryOnceAndLosesNone() throws Exception {
        try (TestReceiver receiver = new TestReceiver()) {
            long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
            new Rows(dsl).failedDeliveries(endpoint, "acct_1", FAILED, 3, Instant.now().minusSeconds(600));
            Replay replay = new Replay(dsl);
            DeliveryFilter filter = DeliveryFilter.all().withEndpoint(endpoint).withStates(List.of("failed"));

            long replayed;
            try (Worker worker = fx.worker(Fixtures.testConfig("w-1").batchSize(10).build(), Clock.systemUTC())) {
                worker.start();
                CompletableFuture<Long> running = CompletableFuture.supplyAsync(
                        () -> replay.run(filter, BATCH, Instant.now(), soFar -> {
                            for (int i = 0; i < NEW_EVENTS_PER_BATCH; i++) {
                                Outbox.insert(dsl, OutboxEvent.of("acct_1", "operation.completed", "{}"));
                            }
                            if (soFar == 3 * BATCH) {
                                awaitAReplayedDeliverySent(receiver);
                            }
                        }));
                replayed = running.get();
                waitUntilAllSucceeded(FAILED + NEW_EVENTS);
            }

            assertEquals(FAILED, replayed);
            Map<String, List<TestReceiver.Received>> byDelivery = receiver.received().stream()
                    .collect(Collectors.groupingBy(r -> r.header("x-d3-delivery")));
            assertEquals(FAILED + NEW_EVENTS, byDelivery.size(), "none lost");
            assertTrue(byDelivery.values().stream().allMatch(l -> l.size() == 1), "none sent twice");
            Map<String, Long> attemptNumbers = receiver.received().stream()
                    .collect(Collectors.groupingBy(r -> r.header("x-d3-attempt"), Collectors.counting()));
            assertEquals(Map.of("4", (long) FAILED, "1", (long) NEW_EVENTS), attemptNumbers,
                    "replayed deliveries continue their numbering; new ones start at 1");
            Map<Integer, Long> audited = fx.audit().stream()
                    .collect(Collectors.groupingBy(a -> a.getAttemptNumber(), Collectors.counting()));
            assertEquals(Map.of(4, (long) FAILED, 1, (long) NEW_EVENTS), audited);
            assertEquals(0, replay.count(filter), "nothing left to replay");
        }
    }

    private void waitUntilAllSucceeded(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            int done = dsl.fetchOne("select count(*) from webhook_deliveries where state = 'succeeded'")
                    .get(0, Integer.class);
            if (done == expected) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not all deliveries succeeded within 60 s: "
                + dsl.fetch("select state, count(*) from webhook_deliveries group by 1"));
    }

    /** Holds the replay mid-way until the worker has sent one of the deliveries replayed so far. */
    private static void awaitAReplayedDeliverySent(TestReceiver receiver) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (receiver.received().stream().noneMatch(r -> "4".equals(r.header("x-d3-attempt")))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the worker sent no replayed delivery within 30 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
