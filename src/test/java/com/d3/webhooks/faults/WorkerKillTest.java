package com.d3.webhooks.faults;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_LOGS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.d3.webhooks.testing.FaultReport;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Received;
import com.d3.webhooks.testing.WorkerProcess;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The worker as a real process, killed with SIGKILL at random moments in the middle of a drain
 * and restarted, round after round. Then: nothing is lost, a delivery that arrived twice carries
 * the same event id (and the same body bytes) both times, and every attempt that reached the receiver has its audit row
 * (the attempt's own, or the "lease expired" row the rescuing worker wrote for it).
 * <p>
 * Sizes: {@code -Dfaults.kill.deliveries} (default 2000) and {@code -Dfaults.kill.rounds}
 * (default 3); bin/chaos runs 10,000 over 10 rounds.
 */
class WorkerKillTest {

    private static final int DELIVERIES = Integer.getInteger("faults.kill.deliveries", 2000);
    private static final int ROUNDS = Integer.getInteger("faults.kill.rounds", 3);
    /** Short timeouts, so a lease (which must exceed them by 5 s) expires in 8 s. */
    private static final String[] WORKER_ARGS = {"--allow-private-network", "--exit-when-idle",
        "--connect-timeout", "1s", "--request-timeout", "2s", "--lease", "8s"};

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void workersKilledMidDrainLoseNothingAndEveryAttemptIsAccountedFor() throws Exception {
        TestDatabase.get().reset();
        long seed = Long.getLong("faults.seed", System.nanoTime());
        Random random = new Random(seed);
        long started = System.nanoTime();
        try (TestReceiver receiver = new TestReceiver()) {
            // Two endpoints, so half the deliveries are the fan-out of the same event.
            fx.endpoint("acct_1", receiver.url("/a"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
            fx.endpoint("acct_1", receiver.url("/b"), null);
            fx.numberedEvents("acct_1", DELIVERIES / 2);

            List<String> rounds = new ArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                int before = receiver.received().size();
                // Kill after a random share of what is left has arrived, at a random instant after it.
                int left = Math.max(1, DELIVERIES - before);
                int target = before + 1 + random.nextInt(Math.max(1, left / (ROUNDS - round + 2)));
                long roundStart = System.nanoTime();
                WorkerProcess worker = WorkerProcess.start("kill-" + round, WORKER_ARGS);
                while (worker.isAlive() && receiver.received().size() == before) {
                    Thread.sleep(5);
                }
                long firstMs = (System.nanoTime() - roundStart) / 1_000_000;
                while (worker.isAlive() && receiver.received().size() < target) {
                    Thread.sleep(5);
                }
                Thread.sleep(random.nextInt(50));
                boolean killed = worker.isAlive();
                worker.kill();
                int inFlight = dsl.fetchCount(WEBHOOK_DELIVERIES, WEBHOOK_DELIVERIES.STATE.eq("in_flight"));
                rounds.add("round " + round + ": " + (killed ? "killed" : "had exited") + " after "
                        + (receiver.received().size() - before) + " requests (first after " + firstMs + " ms, killed after "
                        + (System.nanoTime() - roundStart) / 1_000_000 + " ms), " + inFlight + " left in flight");
            }

            // Restart until everything is settled; a restarted worker takes over expired leases.
            for (int restart = 1; unsettled() > 0; restart++) {
                if (restart > 10) {
                    fail("deliveries still unsettled after 10 restarts: " + unsettled() + "; " + rounds);
                }
                waitForLeasesToExpire();
                WorkerProcess worker = WorkerProcess.start("kill-final-" + restart, WORKER_ARGS);
                assertEquals(0, worker.awaitExit(300), "final worker's exit code; log " + worker.log());
            }

            Figures f = check(receiver.received());
            String what = ROUNDS + " SIGKILLs at random moments of a drain, restarted each time";
            FaultReport.row("worker killed (SIGKILL)", what, DELIVERIES, f.delivered, f.duplicated, f.lost,
                    "all succeeded; " + f.lostAttemptRows + " lost-attempt audit rows; "
                            + secondsSince(started) + " s");
            System.out.println("WorkerKillTest seed " + seed + ": " + String.join("; ", rounds));
        }
    }

    private record Figures(long delivered, long duplicated, long lost, long lostAttemptRows) {
    }

    private Figures check(List<Received> received) {
        Map<Long, UUID> eventOf = new HashMap<>();
        Map<Long, String> stateOf = new HashMap<>();
        dsl.select(WEBHOOK_DELIVERIES.ID, WEBHOOK_DELIVERIES.EVENT_ID, WEBHOOK_DELIVERIES.STATE)
                .from(WEBHOOK_DELIVERIES).fetch().forEach(r -> {
                    eventOf.put(r.value1(), r.value2());
                    stateOf.put(r.value1(), r.value3());
                });
        assertEquals(DELIVERIES, eventOf.size(), "deliveries routed");

        Set<String> audited = new HashSet<>();
        Map<Long, Integer> successRows = new HashMap<>();
        long lostAttemptRows = 0;
        for (var a : dsl.selectFrom(WEBHOOK_AUDIT_LOGS).fetch()) {
            audited.add(a.getDeliveryId() + "/" + a.getAttemptNumber());
            if (a.getStatus().equals("success")) {
                successRows.merge(a.getDeliveryId(), 1, Integer::sum);
            } else if (a.getErrorMessage() != null && a.getErrorMessage().startsWith("lease expired")) {
                lostAttemptRows++;
            }
        }

        Map<Long, Integer> arrivals = new TreeMap<>();
        Map<Long, String> firstBody = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Received r : received) {
            long id = Long.parseLong(r.header("x-d3-delivery"));
            arrivals.merge(id, 1, Integer::sum);
            if (!firstBody.computeIfAbsent(id, k -> r.bodyText()).equals(r.bodyText())) {
                problems.add("delivery " + id + " arrived twice with different bodies");
            }
            UUID expected = eventOf.get(id);
            String bodyId = bodyId(r);
            if (!expected.toString().equals(r.header("x-d3-event-id")) || !expected.toString().equals(bodyId)) {
                problems.add("delivery " + id + " arrived with event id " + r.header("x-d3-event-id") + " / "
                        + bodyId + ", expected " + expected);
            }
            if (!audited.contains(id + "/" + r.header("x-d3-attempt"))) {
                problems.add("delivery " + id + " attempt " + r.header("x-d3-attempt")
                        + " reached the receiver but has no audit row");
            }
        }
        long lost = eventOf.keySet().stream().filter(id -> !arrivals.containsKey(id)).count();
        long notSucceeded = stateOf.values().stream().filter(s -> !s.equals("succeeded")).count();
        long wrongSuccessRows = eventOf.keySet().stream().filter(id -> successRows.getOrDefault(id, 0) != 1).count();
        long duplicated = received.size() - arrivals.size();

        assertTrue(problems.isEmpty(), problems.size() + " problems, first: "
                + problems.subList(0, Math.min(5, problems.size())));
        assertEquals(0, lost, "deliveries that never reached the receiver");
        assertEquals(0, notSucceeded, "deliveries not in state succeeded");
        assertEquals(0, wrongSuccessRows, "deliveries without exactly one success audit row");
        return new Figures(arrivals.size(), duplicated, lost, lostAttemptRows);
    }

    private String bodyId(Received r) {
        try {
            return json.readTree(r.body()).path("id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int unsettled() {
        return dsl.fetchCount(WEBHOOK_DELIVERIES, WEBHOOK_DELIVERIES.STATE.in("pending", "in_flight"));
    }

    /** Sleeps until the database's clock is past every lease a killed worker left behind. */
    private void waitForLeasesToExpire() throws InterruptedException {
        OffsetDateTime last = dsl.select(org.jooq.impl.DSL.max(WEBHOOK_DELIVERIES.LOCKED_UNTIL))
                .from(WEBHOOK_DELIVERIES).where(WEBHOOK_DELIVERIES.STATE.eq("in_flight")).fetchOne().value1();
        if (last == null) {
            return;
        }
        OffsetDateTime now = dsl.select(org.jooq.impl.DSL.currentOffsetDateTime()).fetchOne().value1();
        long ms = Duration.between(now, last).toMillis();
        if (ms > 0) {
            Thread.sleep(ms + 200);
        }
    }

    private static long secondsSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toSeconds();
    }
}
