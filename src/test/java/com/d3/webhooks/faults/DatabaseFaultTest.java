package com.d3.webhooks.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.testing.FaultReport;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The database goes away under a running worker: its connections are terminated by the server
 * (pg_terminate_backend), or the whole server restarts (bin/chaos only: other tests share the
 * server). The worker keeps running, loses nothing and leaves nothing in flight.
 */
class DatabaseFaultTest {

    private static final int EVENTS = 600;
    private static final String APPLICATION_NAME = "outbox-fault-worker";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void workerSurvivesItsConnectionsBeingTerminatedMidDrain() throws Exception {
        int[] terminated = {0};
        run("connections terminated", "pg_terminate_backend on the worker's connections 5 times, 400 ms apart, "
                + "mid-drain", () -> {
                    for (int i = 0; i < 5; i++) {
                        Thread.sleep(400);
                        terminated[0] += dsl.resultQuery("SELECT count(pg_terminate_backend(pid)) FROM "
                                + "pg_stat_activity WHERE application_name = ? AND datname = current_database()",
                                APPLICATION_NAME).fetchOne(0, Integer.class);
                    }
                    assertTrue(terminated[0] > 0, "some connections were terminated");
                });
    }

    /**
     * Restarts the shared PostgreSQL (cluster {@code -Dfaults.pg.cluster}, default 15/main): only
     * in bin/chaos, never in bin/test.
     */
    @Test
    @Tag("chaos")
    void workerSurvivesAPostgresRestartMidDrain() throws Exception {
        awaitNoOtherClients(Duration.ofMinutes(5));
        run("PostgreSQL restarted", "pg_ctlcluster restart mid-drain", () -> {
            Thread.sleep(1000);
            String[] cluster = System.getProperty("faults.pg.cluster", "15/main").split("/");
            Process p = new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", cluster[0], cluster[1],
                    "restart").inheritIO().start();
            assertEquals(0, p.waitFor(), "pg_ctlcluster restart exit code");
        });
    }

    /**
     * A restart breaks every session on the server; other test runs (other databases) may be
     * using it. Waits until none is, or gives up without restarting.
     */
    private void awaitNoOtherClients(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        String others = "SELECT string_agg(DISTINCT datname, ', ') FROM pg_stat_activity WHERE backend_type = "
                + "'client backend' AND datname IS DISTINCT FROM current_database()";
        String busy;
        while ((busy = dsl.resultQuery(others).fetchOne(0, String.class)) != null) {
            if (System.nanoTime() > deadline) {
                Assumptions.abort("not restarting PostgreSQL: other databases are in use (" + busy + ")");
            }
            Thread.sleep(1000);
        }
    }

    interface Fault {
        void inject() throws Exception;
    }

    private void run(String scenario, String what, Fault fault) throws Exception {
        TestDatabase.get().reset();
        long started = System.nanoTime();
        try (TestReceiver receiver = new TestReceiver();
             Database own = Database.open(DatabaseConfig.of(withApplicationName(TestDatabase.get().jdbcUrl()),
                     null, null).withPoolSize(4));
             Worker worker = new Worker(own.dsl(), Fixtures.testConfig("w-db-fault")
                     .connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(2))
                     .lease(Duration.ofSeconds(8)).build(), Clock.systemUTC(), DeliveryListener.NONE)) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            fx.numberedEvents("acct_1", EVENTS);
            worker.start();
            while (receiver.received().size() < 50) {
                Thread.sleep(5);
            }
            fault.inject();

            // After the fault the same worker, still running, must settle everything, even
            // deliveries whose claim committed while the connection died (their lease expires).
            awaitSettled(Duration.ofSeconds(90));
            fx.event("acct_1", "fileTask.completed", "{\"after\": \"the fault\"}");
            awaitSettled(Duration.ofSeconds(30));
            long afterFault = receiver.received().stream().filter(r -> r.bodyText().contains("the fault")).count();
            assertEquals(1, afterFault, "the worker still delivers after the fault");

            Map<String, Long> arrivals = receiver.received().stream()
                    .collect(Collectors.groupingBy(r -> r.header("x-d3-delivery"), Collectors.counting()));
            List<String> states = fx.deliveries().stream().map(d -> d.getState()).distinct().toList();
            assertEquals(List.of("succeeded"), states);
            assertEquals(EVENTS + 1, arrivals.size(), "every delivery arrived");
            long duplicated = receiver.received().size() - arrivals.size();
            FaultReport.row(scenario, what, EVENTS + 1, arrivals.size(), duplicated,
                    EVENTS + 1 - arrivals.size(), "worker kept running; 0 in flight; "
                            + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
        }
    }

    private void awaitSettled(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int open;
            try {
                // One statement, one snapshot: counted apart, an event routed between the two
                // counts was in neither (seen once in bin/test: "settled" with it still pending).
                open = dsl.fetchOne("""
                        SELECT (SELECT count(*) FROM webhook_deliveries WHERE state IN ('pending', 'in_flight'))
                             + (SELECT count(*) FROM webhook_outbox_unrouted)""").get(0, Integer.class);
            } catch (RuntimeException e) {
                open = -1; // the test's own pool is reconnecting after a restart
            }
            if (open == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not settled within " + timeout.toSeconds() + " s: " + fx.deliveries()
                        .stream().collect(Collectors.groupingBy(d -> d.getState(), Collectors.counting())));
            }
            Thread.sleep(100);
        }
    }

    private static String withApplicationName(String url) {
        return url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + APPLICATION_NAME;
    }
}
