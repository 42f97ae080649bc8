package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three long-running workers share one database: every delivery arrives exactly once. */
class ConcurrentWorkersTest {

    private static final int EVENTS = 1500;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @Test
    void threeWorkersDeliverThousandsOfDeliveriesWithNoDuplicate() throws Exception {
        try (TestReceiver receiver = new TestReceiver()) {
            fx.endpoint("acct_1", receiver.url("/a"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
            fx.endpoint("acct_1", receiver.url("/b"), null);
            fx.numberedEvents("acct_1", EVENTS);

            List<Worker> workers = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                workers.add(fx.worker(Fixtures.testConfig("w-" + i).batchSize(50).exitWhenIdle(true).build(),
                        Clock.systemUTC()));
            }
            workers.forEach(Worker::start);
            for (Worker w : workers) {
                w.awaitStopped();
                w.close();
            }

            List<String> deliveryIds = receiver.received().stream().map(r -> r.header("x-d3-delivery")).toList();
            Map<String, Long> counts = deliveryIds.stream()
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertEquals(2 * EVENTS, counts.size(), "every delivery arrived");
            assertTrue(counts.values().stream().allMatch(c -> c == 1), "no delivery arrived twice");
            assertEquals(2 * EVENTS, fx.audit().size());
            assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
            Map<String, Long> byWorker = fx.audit().stream()
                    .collect(Collectors.groupingBy(a -> a.getWorkerId(), Collectors.counting()));
            assertEquals(3, byWorker.size(), "all three workers took part: " + byWorker);
        }
    }
}
