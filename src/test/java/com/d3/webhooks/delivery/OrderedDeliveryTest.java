package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.OnExhausted;
import com.d3.webhooks.operations.DeliveryFilter;
import com.d3.webhooks.operations.DeliveryQueries;
import com.d3.webhooks.operations.Replay;
import com.d3.webhooks.operations.Skip;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Ordered endpoints: one key's deliveries go one at a time, in outbox order; other keys flow. */
class OrderedDeliveryTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final TestReceiver receiver = new TestReceiver();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    @Test
    void aRetriedDeliveryHoldsBackLaterOnesOfItsKeyButNotOtherKeys() {
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        receiver.on("/ordered", r -> r.bodyText().contains("\"step\": 1") && r.bodyText().contains("\"op\": \"A\"")
                && failedOnce.add("A1") ? Reply.status(503) : Reply.status(200));
        fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
        for (int step = 1; step <= 3; step++) {
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": " + step + "}", "A");
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"B\", \"step\": " + step + "}", "B");
        }
        fx.event("acct_1", "fileTask.completed", "{\"op\": \"none\"}");

        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), clock)) {
            worker.drainDue();
            assertEquals(Set.of("A1", "B1", "B2", "B3", "none"), new HashSet<>(received()),
                    "B and the unkeyed event flow while A's head is retried; A2 and A3 wait");
            assertEquals(5, received().size());
            assertEquals(List.of("B1", "B2", "B3"), received().stream().filter(x -> x.startsWith("B")).toList());
            assertEquals(List.of("waiting", "waiting"), states("A", 2, 3));

            clock.advance(Duration.ofSeconds(10));
            worker.drainDue();
        }
        assertEquals(List.of("A1", "A2", "A3"), received().stream().filter(s -> s.startsWith("A")).distinct().toList());
        assertEquals(List.of("A1", "A1", "A2", "A3"),
                received().stream().filter(s -> s.startsWith("A")).toList());
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
    }

    @Test
    void aDeliveryFailedForGoodBlocksItsKeyUntilSkipped() {
        receiver.on("/ordered", r -> r.bodyText().contains("\"step\": 1") ? Reply.status(500) : Reply.status(200));
        fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
        for (int step = 1; step <= 3; step++) {
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": " + step + "}", "A");
        }
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").retrySchedule(RetrySchedule.parse("none", 0))
                .build(), clock)) {
            worker.drainDue();
            assertEquals(List.of("failed", "waiting", "waiting"), states("A", 1, 2, 3));

            long first = fx.deliveries().get(0).getId();
            Skip operator = new Skip(dsl);
            assertTrue(operator.skip(first, "ops@d3", "customer confirmed", clock.instant()));
            assertFalse(operator.skip(first, "ops@d3", "again", clock.instant()), "skipping is idempotent");
            worker.drainDue();
        }
        assertEquals(List.of("skipped", "succeeded", "succeeded"), states("A", 1, 2, 3));
        assertEquals(List.of("A1", "A2", "A3"), received());
        var skipAudit = fx.audit().stream().filter(a -> a.getStatus().equals("skipped")).toList();
        assertEquals(1, skipAudit.size());
        assertTrue(skipAudit.get(0).getErrorMessage().contains("skipped by ops@d3: customer confirmed"));
    }

    @Test
    void withTheSkipPolicyAFailedDeliveryStaysFailedAndItsKeyMovesOn() {
        Set<String> healed = ConcurrentHashMap.newKeySet();
        receiver.on("/ordered", r -> r.bodyText().contains("\"op\": \"A\", \"step\": 1") && healed.isEmpty()
                ? Reply.status(500) : Reply.status(200));
        long endpoint = fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
        new EndpointRepository(dsl).setOnExhausted(endpoint, OnExhausted.SKIP, clock.instant());
        for (int step = 1; step <= 3; step++) {
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": " + step + "}", "A");
        }
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").retrySchedule(RetrySchedule.parse("none", 0))
                .build(), clock)) {
            worker.drainDue();
            assertEquals(List.of("failed", "succeeded", "succeeded"), states("A", 1, 2, 3));
            assertEquals(List.of("A1", "A2", "A3"), received(), "A2 went only after A1 had failed for good");
            assertTrue(new DeliveryQueries(dsl).blocked(10).isEmpty(), "a skip endpoint's key is not blocked");
            var failedAudit = fx.audit().stream().filter(a -> a.getStatus().equals("failed")).toList();
            assertEquals(1, failedAudit.size(), "the failure is audited");

            // Still replayable: it is sent again (beside the key's head, here there is none).
            healed.add("A1");
            long first = fx.deliveries().get(0).getId();
            assertEquals(1, new Replay(dsl).run(DeliveryFilter.all().withDeliveryIds(List.of(first))
                    .withStates(List.of("failed")), 100, clock.instant(), n -> { }));
            worker.drainDue();
        }
        assertEquals(List.of("A1", "A2", "A3", "A1"), received());
        assertEquals(List.of("succeeded", "succeeded", "succeeded"), states("A", 1, 2, 3));
    }

    @Test
    void switchingAnEndpointToSkipReleasesTheKeysItsFailedDeliveriesBlock() {
        receiver.on("/ordered", r -> r.bodyText().contains("\"step\": 1") ? Reply.status(500) : Reply.status(200));
        long endpoint = fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
        for (int step = 1; step <= 2; step++) {
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": " + step + "}", "A");
        }
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").retrySchedule(RetrySchedule.parse("none", 0))
                .build(), clock)) {
            worker.drainDue();
            assertEquals(List.of("failed", "waiting"), states("A", 1, 2), "block is the default");
            assertEquals(1, new DeliveryQueries(dsl).blocked(10).size());

            assertTrue(new EndpointRepository(dsl).setOnExhausted(endpoint, OnExhausted.SKIP, clock.instant()));
            assertEquals(List.of("failed", "pending"), states("A", 1, 2));
            worker.drainDue();
        }
        assertEquals(List.of("A1", "A2"), received());
        assertEquals(List.of("failed", "succeeded"), states("A", 1, 2));
    }

    /**
     * What docs/reliability.md promises for a replay of a delivery whose later deliveries already
     * succeeded: only the replayed one is sent again, as soon as possible, beside the key's
     * current head; the later ones that succeeded are not resent; the key's waiting deliveries
     * wait for the replayed one as for the head.
     */
    @Test
    void replayingASucceededDeliveryResendsOnlyItAndTheKeyWaitsForIt() {
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        receiver.on("/ordered", r -> r.bodyText().contains("\"step\": 4") && failedOnce.add("A4")
                ? Reply.status(503) : Reply.status(200));
        fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
        for (int step = 1; step <= 3; step++) {
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": " + step + "}", "A");
        }
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), clock)) {
            worker.drainDue();
            assertEquals(List.of("A1", "A2", "A3"), received());
            // A4 fails once (its retry is due in 10 s); A5 waits behind it.
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": 4}", "A");
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": 5}", "A");
            worker.drainDue();
            assertEquals(List.of("pending", "waiting"), states("A", 4, 5));

            long first = fx.deliveries().stream().filter(d -> d.getOutboxId() == minOutboxId()).findFirst()
                    .orElseThrow().getId();
            assertEquals(1, new Replay(dsl).run(DeliveryFilter.all().withDeliveryIds(List.of(first))
                    .withStates(List.of("succeeded")), 100, clock.instant(), n -> { }));
            worker.drainDue();
            assertEquals(List.of("A1", "A2", "A3", "A4", "A1"), received(),
                    "A1 is sent again at once, beside the head A4 (not due yet); A2 and A3 are not resent");
            assertEquals(List.of("succeeded", "succeeded", "succeeded", "pending", "waiting"),
                    states("A", 1, 2, 3, 4, 5));

            clock.advance(Duration.ofSeconds(11));
            worker.drainDue();
        }
        assertEquals(List.of("A1", "A2", "A3", "A4", "A1", "A4", "A5"), received());
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
    }

    /**
     * While a replayed earlier delivery is pending, the key's next waiting delivery does not go,
     * even when the head succeeds first: it waits for the replayed one too.
     */
    @Test
    void aKeyWaitsForAReplayedEarlierDeliveryAsForItsHead() {
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        receiver.on("/ordered", r -> r.bodyText().contains("\"step\": 1") && failedOnce.size() == 1
                && failedOnce.add("replayed A1") ? Reply.status(503) : Reply.status(200));
        fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
        fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": 1}", "A");
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), clock)) {
            worker.drainDue();
            long first = fx.deliveries().get(0).getId();
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": 2}", "A");
            fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": 3}", "A");
            new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());
            assertEquals(List.of("succeeded", "pending", "waiting"), states("A", 1, 2, 3));

            failedOnce.add("armed");
            assertEquals(1, new Replay(dsl).run(DeliveryFilter.all().withDeliveryIds(List.of(first))
                    .withStates(List.of("succeeded")), 100, clock.instant(), n -> { }));
            worker.drainDue();
            // The replayed A1 went beside the head A2 and was answered 503 (retry in 10 s).
            assertEquals(List.of("pending", "succeeded", "waiting"), states("A", 1, 2, 3),
                    "A3 waits for the replayed A1 although A2 succeeded");
            clock.advance(Duration.ofSeconds(11));
            worker.drainDue();
        }
        List<String> got = received();
        assertEquals(List.of("A1", "A3"), got.subList(got.size() - 2, got.size()), "A3 only after A1's success");
        assertEquals(1, got.stream().filter(x -> x.equals("A2")).count());
        assertEquals(3, got.stream().filter(x -> x.equals("A1")).count());
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
    }

    @Test
    void turningOrderingOffReleasesWaitingDeliveries() {
        receiver.on("/ordered", r -> Reply.status(500));
        long endpoint = fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
        fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": 1}", "A");
        fx.keyedEvent("acct_1", "fileTask.completed", "{\"op\": \"A\", \"step\": 2}", "A");
        try (Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), clock)) {
            worker.drainDue();
            assertEquals(1, receiver.received().size());
            new EndpointRepository(dsl).setOrdered(endpoint, false, clock.instant());
            worker.drainDue();
        }
        assertEquals(List.of("A1", "A2"), received());
    }

    /**
     * Three workers, random first-attempt failures, many keys: for every key the receiver's first
     * successful receipts come in outbox order, and the sequence header says so.
     */
    @Test
    void severalWorkersKeepEveryKeyInOrderDespiteRandomFailures() throws Exception {
        Set<String> firstAttemptSeen = ConcurrentHashMap.newKeySet();
        List<TestReceiver.Received> successes = new CopyOnWriteArrayList<>();
        receiver.on("/ordered", r -> {
            if (firstAttemptSeen.add(r.header("x-d3-delivery")) && ThreadLocalRandom.current().nextInt(100) < 25) {
                return Reply.status(500);
            }
            successes.add(r);
            return Reply.status(200);
        });
        fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
        int keys = 40;
        int perKey = 8;
        dsl.transaction(cfg -> {
            for (int step = 1; step <= perKey; step++) {
                for (int k = 0; k < keys; k++) {
                    Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed",
                            "{\"op\": \"K" + k + "\", \"step\": " + step + "}").withOrderingKey("K" + k));
                }
            }
        });
        List<Worker> workers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            workers.add(fx.worker(Fixtures.testConfig("w-" + i).retrySchedule(RetrySchedule.parse("0s,0s,0s", 0))
                    .exitWhenIdle(true).build(), Clock.systemUTC()));
        }
        workers.forEach(Worker::start);
        for (Worker w : workers) {
            w.awaitStopped();
            w.close();
        }
        // exit-when-idle may stop a worker while a retry is due a moment later: finish the rest.
        try (Worker last = fx.worker(Fixtures.testConfig("w-last").retrySchedule(RetrySchedule.parse("0s,0s,0s", 0))
                .build(), Clock.systemUTC())) {
            while (fx.deliveries().stream().anyMatch(d -> !d.getState().equals("succeeded"))) {
                last.drainDue();
            }
        }

        Map<String, List<Integer>> firstSuccessOrder = new LinkedHashMap<>();
        Map<String, Long> lastSequence = new LinkedHashMap<>();
        Set<String> delivered = new HashSet<>();
        for (TestReceiver.Received r : successes) {
            if (!delivered.add(r.header("x-d3-delivery"))) {
                continue;
            }
            String op = r.bodyText().replaceAll(".*\"op\": \"(K\\d+)\".*", "$1");
            int step = Integer.parseInt(r.bodyText().replaceAll(".*\"step\": (\\d+).*", "$1"));
            long sequence = Long.parseLong(r.header("x-d3-sequence"));
            firstSuccessOrder.computeIfAbsent(op, x -> new ArrayList<>()).add(step);
            assertTrue(sequence > lastSequence.getOrDefault(op, 0L), "sequence increases within " + op);
            lastSequence.put(op, sequence);
        }
        assertEquals(keys, firstSuccessOrder.size());
        for (var e : firstSuccessOrder.entrySet()) {
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), e.getValue(), "order of " + e.getKey());
        }
        assertTrue(successes.size() < receiver.received().size(), "some first attempts failed");
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
    }

    /** "A1", "B2", ... in the order the receiver got them. */
    private List<String> received() {
        return receiver.received().stream()
                .map(r -> r.bodyText().replaceAll(".*\"op\": \"([A-Za-z]+)\"(, \"step\": (\\d+))?.*", "$1$3"))
                .toList();
    }

    private long minOutboxId() {
        return ((Number) dsl.fetchValue("select min(id) from webhook_outbox")).longValue();
    }

    private List<String> states(String key, int... steps) {
        List<String> out = new ArrayList<>();
        for (int step : steps) {
            out.add(dsl.fetchValue("""
                    select d.state from webhook_deliveries d join webhook_outbox o on o.id = d.outbox_id
                     where o.ordering_key = ? and o.payload->>'step' = ?""", key, String.valueOf(step)).toString());
        }
        return out;
    }
}
