package com.d3.webhooks.faults;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import com.d3.webhooks.testing.WorkerProcess;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * Ordered delivery across a crash: a worker process killed with SIGKILL mid-drain (its keys' heads
 * left in flight until their lease expires), random first-attempt failures, restarts. For every
 * key the receiver's first successful receipts still come in outbox order.
 */
class OrderedKillTest {

    private static final String[] WORKER_ARGS = {"--allow-private-network", "--exit-when-idle",
        "--connect-timeout", "1s", "--request-timeout", "2s", "--lease", "8s", "--retry-schedule", "0s,0s,0s,0s"};

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void everyKeyStaysInOrderAcrossAKilledWorker() throws Exception {
        TestDatabase.get().reset();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Set<String> firstAttemptSeen = ConcurrentHashMap.newKeySet();
        List<TestReceiver.Received> successes = new CopyOnWriteArrayList<>();
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/ordered", r -> {
                if (firstAttemptSeen.add(r.header("x-d3-delivery")) && random.nextInt(100) < 20) {
                    return Reply.status(500);
                }
                successes.add(r);
                return Reply.status(200);
            });
            fx.orderedEndpoint("acct_1", receiver.url("/ordered"), null);
            int keys = 30;
            int perKey = 6;
            dsl.transaction(cfg -> {
                for (int step = 1; step <= perKey; step++) {
                    for (int k = 0; k < keys; k++) {
                        Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed",
                                "{\"op\": \"K" + k + "\", \"step\": " + step + "}").withOrderingKey("K" + k));
                    }
                }
            });

            WorkerProcess first = WorkerProcess.start("ordered-kill", WORKER_ARGS);
            while (first.isAlive() && successes.size() < keys) {
                Thread.sleep(5);
            }
            first.kill();
            for (int restart = 1; unsettled() > 0; restart++) {
                if (restart > 6) {
                    fail("deliveries still unsettled after 6 restarts: " + unsettled() + " (seed " + seed + ")");
                }
                Thread.sleep(8_500);
                WorkerProcess worker = WorkerProcess.start("ordered-kill-" + restart, WORKER_ARGS);
                assertEquals(0, worker.awaitExit(120), "worker's exit code; log " + worker.log());
            }
        }

        Map<String, List<Integer>> order = new HashMap<>();
        Set<String> delivered = new HashSet<>();
        for (TestReceiver.Received r : successes) {
            if (delivered.add(r.header("x-d3-delivery"))) {
                String op = r.bodyText().replaceAll(".*\"op\": \"(K\\d+)\".*", "$1");
                order.computeIfAbsent(op, x -> new ArrayList<>())
                        .add(Integer.parseInt(r.bodyText().replaceAll(".*\"step\": (\\d+).*", "$1")));
            }
        }
        assertEquals(30, order.size());
        for (var e : order.entrySet()) {
            assertEquals(List.of(1, 2, 3, 4, 5, 6), e.getValue(), "order of " + e.getKey() + " (seed " + seed + ")");
        }
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")));
    }

    private int unsettled() {
        return dsl.fetchCount(WEBHOOK_DELIVERIES, WEBHOOK_DELIVERIES.STATE.notEqual("succeeded"));
    }
}
