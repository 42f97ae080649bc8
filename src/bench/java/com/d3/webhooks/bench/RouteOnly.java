package com.d3.webhooks.bench;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import com.d3.webhooks.delivery.EventRouter;
import com.d3.webhooks.delivery.WorkerConfig;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The route-only scenario: the routing ceiling without HTTP. N events are enqueued to an account
 * with one endpoint, without ordering keys or over {@value #INTERLEAVED_KEYS} keys in turn, then
 * {@code routers} routers (the worker's EventRouter, each a thread of the bench with a connection
 * of its own, as each worker has) route them at once, batch after batch, until the queue is
 * empty. The deliveries they create are left pending.
 */
final class RouteOnly {

    static final List<Integer> ROUTERS = List.of(1, 2);
    /**
     * Few keys, far fewer than a batch: each batch holds several events of every key, the input
     * on which routers that share keys hold back each other's batches.
     */
    static final int INTERLEAVED_KEYS = 16;
    /** Unkeyed input, then keyed. */
    static final List<Integer> KEYS = List.of(0, INTERLEAVED_KEYS);
    private static final String APPLICATION_NAME = "outbox-bench-router";

    private RouteOnly() {
    }

    static String rowName(int routers, int keys) {
        return "route-only=" + routers + (keys > 0 ? "/" + keys + "-keys" : "");
    }

    static String description(int routers, int keys) {
        return "N events" + (keys > 0 ? " over " + keys + " ordering keys in turn" : " without ordering key")
                + " routed to one endpoint by " + routers + " router(s) at once (EventRouter, batch "
                + WorkerConfig.DEFAULT_ROUTE_BATCH_SIZE + ", a connection each), no HTTP; the deliveries stay pending";
    }

    static RunResult run(String serverUrl, String receiverUrl, String secret, int events, int routers, int keys,
                         PrintStream progress) {
        RunResult r = new RunResult();
        try (BenchDatabase db = BenchDatabase.recreate(serverUrl)) {
            db.addEndpoint(receiverUrl, secret);
            db.enqueue(events, keys);
            CostPerDelivery cost = CostPerDelivery.start(db.url());
            try (Database routing = Database.open(DatabaseConfig.of(
                    BenchDatabase.withParameter(db.url(), "ApplicationName", APPLICATION_NAME), null, null)
                    .withPoolSize(routers + 1))) {
                CyclicBarrier start = new CyclicBarrier(routers);
                ExecutorService pool = Executors.newFixedThreadPool(routers);
                List<Future<long[]>> done = new ArrayList<>();
                for (int i = 0; i < routers; i++) {
                    done.add(pool.submit(() -> {
                        EventRouter router = new EventRouter(routing.dsl(), WorkerConfig.DEFAULT_ROUTE_BATCH_SIZE,
                                WorkerConfig.DEFAULT_MAX_PAYLOAD_BYTES);
                        start.await();
                        long routed = 0;
                        // Another router may hold every queued event for a moment: 0 alone is not the end.
                        int n;
                        do {
                            n = router.routeBatch(Instant.now());
                            routed += n;
                        } while (n > 0 || router.hasUnrouted());
                        return new long[] {routed, ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime(),
                                System.nanoTime()};
                    }));
                }
                long t0 = System.nanoTime();
                long routed = 0;
                long routerCpuNanos = 0;
                long last = t0;
                for (Future<long[]> f : done) {
                    long[] v = f.get();
                    routed += v[0];
                    routerCpuNanos += v[1];
                    last = Math.max(last, v[2]);
                }
                pool.shutdown();
                double seconds = (last - t0) / 1e9;
                r.put("events", events).put("routers", routers).put("ordering_keys", keys).put("events_routed", routed)
                        .put("events_routed_per_s", routed / seconds)
                        .put("router_cpu_ms_per_event", routerCpuNanos / 1e6 / Math.max(1, routed))
                        .put("postgres_cpu_ms_per_delivery", backendCpuMs(routing) / Math.max(1, routed));
            }
            cost.finish(r, events);
            progress.printf("  route-only, %d router(s), %s: %,d events routed at %,.0f/s; %s WAL B, %s stored B "
                            + "per event%n", routers, keys > 0 ? keys + " keys" : "no key", r.metrics.get("events_routed"), r.metrics.get("events_routed_per_s"),
                    r.metrics.get("wal_bytes_per_delivery"), r.metrics.get("stored_bytes_per_delivery"));
        } catch (Exception e) {
            r.error = e.toString();
        }
        return r;
    }

    /** CPU of the routers' own backends, made for this run, read from /proc (the server must be local). */
    private static double backendCpuMs(Database routing) throws Exception {
        long ticks = 0;
        try (Connection c = routing.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE application_name = '"
                     + APPLICATION_NAME + "'")) {
            while (rs.next()) {
                ticks += Proc.cpuTicks(rs.getLong(1));
            }
        }
        return ticks * Proc.MS_PER_TICK;
    }
}
