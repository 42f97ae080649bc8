package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * Issue 6's fairness figure: with one endpoint that hangs until the request timeout beside nine
 * healthy ones, the healthy endpoints' throughput stays at least 80% of what it is when all ten
 * are healthy. Compared is the throughput of the same nine healthy endpoints in both
 * configurations (deliveries to them per second, from the worker's start, routing included, to
 * the last one's arrival), beside a tenth that is healthy, then one that hangs. The worker still
 * routes, claims and gives back the hanging endpoint's deliveries: that work is part of what the
 * nine pay for their neighbour.
 *
 * <p>The request timeout, 10 s, is longer than a run, so the hanging endpoint holds its full share
 * of the senders during the whole measurement; with a short timeout its timed-out and given-back
 * deliveries would be due after the healthy backlog and it would hold senders only at first,
 * which flatters the figure. The worker runs with the real defaults (16 senders, at most 8 in
 * flight per endpoint). Only the ratio is asserted: run once each in the order hanging, healthy,
 * the warm-up alone moved it from about 1.0 to 0.75, hence pairs in alternating order and the
 * median of their ratios.
 */
class FairnessTest {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int EVENTS_PER_ENDPOINT = 30;
    private static final int PAIRS = 3;
    /** The healthy endpoints whose throughput is compared; a tenth is their neighbour. */
    private static final int MEASURED = 9;
    private static final double REQUIRED_RATIO = 0.8;

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @Test
    void aHangingEndpointLeavesTheHealthyOnesAtLeast80PercentOfTheirThroughput() throws Exception {
        run(false, 15); // warm-up: JIT, connection set-up, the database's caches
        // Three pairs in the order A B, B A, A B: a drift of the machine's speed (JIT, the other
        // load on this shared machine) weighs on both configurations alike, and the median of
        // the pairs' ratios ignores one pair hit by a burst of other load.
        List<double[]> pairs = new ArrayList<>();
        for (int pair = 0; pair < PAIRS; pair++) {
            double allHealthy;
            double withHanging;
            if (pair % 2 == 0) {
                allHealthy = run(false, EVENTS_PER_ENDPOINT);
                withHanging = run(true, EVENTS_PER_ENDPOINT);
            } else {
                withHanging = run(true, EVENTS_PER_ENDPOINT);
                allHealthy = run(false, EVENTS_PER_ENDPOINT);
            }
            pairs.add(new double[] {allHealthy, withHanging, withHanging / allHealthy});
        }
        double ratio = pairs.stream().mapToDouble(p -> p[2]).sorted().toArray()[PAIRS / 2];
        String figures = "deliveries/s to the nine healthy endpoints (tenth healthy / tenth hanging = ratio): "
                + pairs.stream().map(p -> String.format("%.0f / %.0f = %.2f", p[0], p[1], p[2]))
                        .collect(Collectors.joining("; "))
                + String.format("; median ratio %.2f", ratio);
        System.out.println("FairnessTest: " + figures);
        assertTrue(ratio >= REQUIRED_RATIO, figures);
    }

    /**
     * Deliveries per second to nine healthy endpoints, beside a tenth that is healthy too or
     * hangs: the same nine endpoints and events in both configurations, only the neighbour differs.
     */
    private double run(boolean tenthHangs, int eventsPerEndpoint) throws Exception {
        TestDatabase.get().reset();
        Fixtures fx = new Fixtures(dsl);
        int expected = MEASURED * eventsPerEndpoint;
        CountDownLatch allMeasuredReceived = new CountDownLatch(expected);
        AtomicLong lastMeasuredNanos = new AtomicLong();
        AtomicInteger hangingStarted = new AtomicInteger();
        AtomicInteger hangingAtEnd = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (TestReceiver healthyReceiver = new TestReceiver(); TestReceiver hangingReceiver = new TestReceiver()) {
            hangingReceiver.on("/hang", r -> {
                hangingStarted.incrementAndGet();
                try {
                    // Answers only after the worker gave up (request timeout), or when the run ends.
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Reply.status(200);
            });
            for (int i = 0; i < MEASURED; i++) {
                healthyReceiver.on("/healthy" + i, r -> {
                    lastMeasuredNanos.set(System.nanoTime());
                    allMeasuredReceived.countDown();
                    return Reply.status(200);
                });
                fx.endpoint("acct_" + i, healthyReceiver.url("/healthy" + i), null);
            }
            fx.endpoint("acct_tenth", tenthHangs ? hangingReceiver.url("/hang") : healthyReceiver.url("/tenth"), null);
            dsl.transaction(cfg -> {
                for (int n = 0; n < eventsPerEndpoint; n++) {
                    Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_tenth", "fileTask.completed", "{}"));
                    for (int i = 0; i < MEASURED; i++) {
                        Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_" + i, "fileTask.completed", "{\"n\": " + n + "}"));
                    }
                }
            });
            WorkerConfig config = Fixtures.testConfig("fair")
                    .concurrency(WorkerConfig.DEFAULT_CONCURRENCY)
                    .maxInFlightPerEndpoint(WorkerConfig.DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT)
                    .connectTimeout(REQUEST_TIMEOUT).requestTimeout(REQUEST_TIMEOUT)
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build();
            long start;
            try (Worker worker = fx.worker(config, Clock.systemUTC())) {
                start = System.nanoTime();
                worker.start();
                assertTrue(allMeasuredReceived.await(60, TimeUnit.SECONDS), "every delivery to the nine arrived; "
                        + allMeasuredReceived.getCount() + " of " + expected + " still missing");
                hangingAtEnd.set(hangingStarted.get());
            } finally {
                // Lets the worker stop without waiting for the hanging requests' timeout.
                release.countDown();
            }
            if (tenthHangs) {
                assertEquals(WorkerConfig.DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT, hangingAtEnd.get(),
                        "the hanging endpoint held its full share of the senders all along, and no more");
            }
            long measuredRequests = healthyReceiver.received().stream().filter(r -> r.path().startsWith("/healthy"))
                    .count();
            assertEquals(expected, measuredRequests, "no delivery to the nine was sent twice");
            return expected / ((lastMeasuredNanos.get() - start) / 1e9);
        }
    }
}
