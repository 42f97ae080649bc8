package com.d3.webhooks.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One run of each scenario. Every run works in a freshly created database, against the
 * long-lived receiver process, with real worker processes; each returns its figures (see
 * docs/performance.md for what each one means) or an error saying why it could not be measured.
 */
final class ScenarioRuns {

    /**
     * @param events         events per drain, retry and workers run
     * @param rate           events per second in the latency scenario
     * @param seconds        length of the latency scenario's measured phase
     * @param warmupSeconds  the same rate before it, not measured (JVM start, JIT)
     * @param backlogMeasure deliveries measured per backlog run
     * @param failPercent    event ids whose first attempt the receiver answers 500, in the retry scenario
     * @param retrySchedule  the worker's --retry-schedule in the retry scenario
     * @param floorThreads   sender threads of the HTTP floor
     * @param claimLimit     LIMIT of the explained claim: what one claim takes at most (the concurrency)
     * @param workerCounts   worker processes of the workers scenario's rows
     * @param backlogs       pending deliveries of the backlog scenario's rows
     * @param keys           ordering keys of the ordered scenario
     * @param singleKeyEvents events of the ordered-single-key scenario
     * @param planBacklogs   undelivered deliveries of the ordered-plan scenario's rows
     * @param planKeys       ordering keys of the ordered-plan scenario
     * @param receiverThreads handler threads of a jdk receiver
     */
    record Settings(int events, int rate, double seconds, double warmupSeconds, int backlogMeasure,
                    int failPercent, String retrySchedule, int floorThreads, int claimLimit,
                    List<Integer> workerCounts, List<Integer> backlogs, int keys, int singleKeyEvents,
                    List<Integer> planBacklogs, int planKeys, int receiverThreads) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BenchEnv env;
    private final Settings settings;
    private final ReceiverProcess receiver;
    private final String secret;
    private final PrintStream progress;

    ScenarioRuns(BenchEnv env, Settings settings, ReceiverProcess receiver, String secret, PrintStream progress) {
        this.env = env;
        this.settings = settings;
        this.receiver = receiver;
        this.secret = secret;
        this.progress = progress;
    }

    /**
     * One run of the route-only scenario with {@code routers} routers at once, the events over
     * {@code keys} ordering keys in turn (0: none) (see {@link RouteOnly}).
     */
    RunResult routeOnly(int routers, int keys) {
        return RouteOnly.run(env.serverUrl(), receiver.url("/hook"), secret, settings.events(), routers, keys,
                progress);
    }

    Settings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- drain, workers, storage

    /**
     * Enqueues {@code events} through the outbox contract, then {@code workers} worker processes
     * with --exit-when-idle drain them. With {@code storage}, also the bytes per delivery.
     */
    RunResult drain(String label, int events, int workers, boolean storage) {
        return drain(label, events, workers, storage, List.of());
    }

    /** A drain by workers started with {@code workerOptions} beside the defaults. */
    RunResult drain(String label, int events, int workers, boolean storage, List<String> workerOptions) {
        return drain(label, events, 1, workers, storage, 0, false, workerOptions, timeoutFor(events));
    }

    /**
     * A drain of {@code events} events to {@code endpoints} endpoints of the one account: each event
     * fans out to every endpoint, so there are {@code events x endpoints} deliveries.
     */
    RunResult fanOutDrain(String label, int events, int endpoints) {
        return drain(label, events, endpoints, 1, false, 0, false, List.of(), timeoutFor(events * endpoints));
    }

    /**
     * A drain whose events carry ordering keys ({@code keys} of them, taking turns), sent to an
     * endpoint that is {@code ordered} or not. Adds the most requests the receiver had in progress
     * at once and how many deliveries arrived after a later one of their key.
     */
    RunResult orderedDrain(String label, int events, int keys, boolean ordered) {
        // One key goes one delivery at a time: allow 5 per second before calling it stuck.
        Duration timeout = keys == 1 ? Duration.ofSeconds(60 + events / 5) : timeoutFor(events);
        RunResult r = drain(label, events, 1, 1, false, keys, ordered, List.of(), timeout);
        progress.printf("  %s: %s endpoint, %,d keys; at most %s requests in progress at the receiver; %s "
                        + "deliveries arrived after a later one of their key%n", label, ordered ? "ordered" : "unordered",
                keys, Report.format(r.metrics.get("receiver_max_in_progress")),
                Report.format(r.metrics.get("out_of_order")));
        return r;
    }

    private RunResult drain(String label, int events, int endpoints, int workers, boolean storage, int keys,
                            boolean ordered, List<String> workerOptions, Duration timeout) {
        RunResult r = new RunResult();
        try (BenchDatabase db = BenchDatabase.recreate(env.serverUrl())) {
            for (int i = 0; i < endpoints; i++) {
                db.addEndpoint(receiver.url(i == 0 ? "/hook" : "/hook" + i), secret, ordered);
            }
            double enqueueSeconds = db.enqueue(events, keys);
            receiver.reset(0);
            long receiverTicks = receiver.cpuTicks();
            List<String> options = new ArrayList<>(List.of("--exit-when-idle"));
            options.addAll(workerOptions);
            int deliveries = events * endpoints;
            CostPerDelivery cost = CostPerDelivery.start(db.url());
            try (MeasuredProcesses w = MeasuredProcesses.workers(env, db.url(), workers, options, label)) {
                boolean exited = w.awaitExit(timeout);
                cost.finish(r, deliveries);
                receiverTicks = receiver.cpuTicks() - receiverTicks;
                Received got = receiver.dump();
                Map<String, Long> counts = db.counts();
                if (!exited || w.exitCodes().stream().anyMatch(c -> c != 0)) {
                    r.error = (exited ? "a worker exited with " + w.exitCodes() : "the workers did not finish within "
                            + timeout.toSeconds() + " s") + "\n" + w.logTail(15);
                }
                long[] times = got.successTimes();
                long delivered = got.distinctSucceededDeliveries();
                r.put("events", events).put("deliveries", deliveries).put("workers", workers)
                        .put("enqueue_events_per_s", events / enqueueSeconds)
                        .put("deliveries_per_s", deliveries / w.wallSeconds())
                        .put("deliveries_per_s_receiving", Received.ratePerSecond(times, times.length))
                        .put("worker_wall_s", w.wallSeconds())
                        .put("worker_ready_s", w.readySeconds())
                        .put("first_delivery_s", times.length == 0 ? Double.NaN
                                : (times[0] - w.startEpochMicros()) / 1e6);
                cpuAndMemory(r, w, got, times, deliveries);
                r.put("receiver_cpu_ms_per_request", receiverTicks * Proc.MS_PER_TICK / (double) got.requests())
                        .put("body_bytes", got.meanBodyBytes());
                correctness(r, got, counts, deliveries, delivered);
                if (workers > 1) {
                    r.detail("attempts_by_worker", db.attemptsByWorker());
                }
                if (storage) {
                    storage(r, db, delivered);
                }
                if (keys > 0) {
                    r.put("keys", keys).put("ordered", ordered ? 1 : 0)
                            .put("receiver_max_in_progress", receiver.maxInProgress())
                            .put("out_of_order", db.outOfOrder(got));
                }
            }
            progress.printf("  %s: %,d events enqueued in %.1f s; drained at %,.0f deliveries/s (%,.0f/s receiving); "
                            + "%.3f worker CPU ms/delivery; %s WAL B, %s row versions, %s stored B per delivery; "
                    + "%d duplicates, %d lost%n", label, events, enqueueSeconds,
                    r.metrics.get("deliveries_per_s"), r.metrics.get("deliveries_per_s_receiving"),
                    r.metrics.get("worker_cpu_ms_per_delivery"), r.metrics.get("wal_bytes_per_delivery"),
                    r.metrics.get("row_versions_per_delivery"), r.metrics.get("stored_bytes_per_delivery"),
                    r.metrics.get("duplicates"), r.metrics.get("lost"));
            printStatements(label, r);
        } catch (Exception e) {
            r.error = describe(e);
        }
        return r;
    }

    private void storage(RunResult r, BenchDatabase db, long delivered) throws SQLException {
        Map<String, Long> bytes = db.tableBytes();
        long total = bytes.values().stream().mapToLong(Long::longValue).sum();
        double n = Math.max(1, delivered);
        r.put("storage_bytes_per_delivery", total / n)
                .put("storage_outbox_bytes_per_delivery", bytes.get("webhook_outbox") / n)
                .put("storage_deliveries_bytes_per_delivery", bytes.get("webhook_deliveries") / n)
                .put("storage_audit_bytes_per_delivery", bytes.get("webhook_audit_attempts") / n);
        db.vacuumFull();
        long compact = db.tableBytes().values().stream().mapToLong(Long::longValue).sum();
        r.put("storage_bytes_per_delivery_vacuumed", compact / n);
    }

    // ---------------------------------------------------------------- http floor, receiver

    /** The same signed POSTs as a drain's, from the floor process, no database, against the receiver. */
    RunResult floor(String label) {
        return floor(label, settings.events(), receiver);
    }

    private RunResult floor(String label, int requests, ReceiverProcess target) {
        RunResult r = new RunResult();
        try {
            target.reset(0);
            long receiverTicks = target.cpuTicks();
            try (MeasuredProcesses f = MeasuredProcesses.floor(env, List.of("--url", target.url("/hook"),
                    "--requests", Integer.toString(requests), "--threads", Integer.toString(settings.floorThreads()),
                    "--secret", secret), label)) {
                boolean exited = f.awaitExit(timeoutFor(requests));
                receiverTicks = target.cpuTicks() - receiverTicks;
                Received got = target.dump();
                if (!exited || f.exitCodes().get(0) != 0) {
                    r.error = "the HTTP floor " + (exited ? "exited with " + f.exitCodes() : "did not finish") + "\n"
                            + f.logTail(15);
                }
                JsonNode out = JSON.readTree(f.lastJsonLine());
                long[] times = got.successTimes();
                r.put("requests", requests).put("threads", settings.floorThreads())
                        .put("requests_per_s", requests / f.wallSeconds())
                        .put("requests_per_s_receiving", Received.ratePerSecond(times, times.length))
                        .put("requests_per_s_loop", requests / (out.get("loopNanos").asLong() / 1e9))
                        .put("cpu_ms_per_request", f.cpuMs() / requests)
                        .put("jit_cpu_ms_per_request", f.jitCpuMs() / requests)
                        .put("cpu_ms_per_request_loop", out.get("loopCpuNanos").asLong() / 1e6 / requests)
                        .put("peak_rss_mb", f.peakRssMb())
                        .put("receiver_cpu_ms_per_request", receiverTicks * Proc.MS_PER_TICK / (double) got.requests())
                        .put("body_bytes", got.meanBodyBytes())
                        .put("failed", out.get("failed").asLong())
                        .put("duplicates", got.duplicates());
            }
            progress.printf("  %s: %,d requests at %,.0f/s (%,.0f/s receiving); %.3f CPU ms/request%n", label,
                    requests, r.metrics.get("requests_per_s"), r.metrics.get("requests_per_s_receiving"),
                    r.metrics.get("cpu_ms_per_request"));
        } catch (Exception e) {
            r.error = describe(e);
        }
        return r;
    }

    /** The floor against a fresh receiver of the given server kind, to see which one is cheaper. */
    RunResult receiverCheck(String label, String server) {
        try (ReceiverProcess target = ReceiverProcess.start(env, server, settings.receiverThreads())) {
            return floor(label, settings.events(), target);
        } catch (Exception e) {
            RunResult r = new RunResult();
            r.error = describe(e);
            return r;
        }
    }

    // ---------------------------------------------------------------- retry

    /**
     * A drain in which the receiver answers 500 to the first attempt of a deterministic share of
     * event ids, and the worker retries after --retry-schedule. The worker runs without
     * --exit-when-idle (it would exit while retries are not yet due) and is stopped with SIGTERM
     * once every delivery has succeeded.
     */
    RunResult retry(String label) {
        RunResult r = new RunResult();
        int events = settings.events();
        try (BenchDatabase db = BenchDatabase.recreate(env.serverUrl())) {
            db.addEndpoint(receiver.url("/hook"), secret);
            db.enqueue(events);
            receiver.reset(settings.failPercent());
            CostPerDelivery cost = CostPerDelivery.start(db.url());
            try (MeasuredProcesses w = MeasuredProcesses.workers(env, db.url(), 1,
                    List.of("--retry-schedule", settings.retrySchedule()), label)) {
                boolean done = awaitSuccesses(events, timeoutFor(events), w);
                w.terminate();
                boolean exited = w.awaitExit(Duration.ofSeconds(60));
                cost.finish(r, events);
                Received got = receiver.dump();
                Map<String, Long> counts = db.counts();
                if (!done || !exited || w.exitCodes().stream().anyMatch(c -> c != 0)) {
                    r.error = (!done ? "not every delivery succeeded in time" : "the worker did not stop cleanly: "
                            + w.exitCodes()) + "\n" + w.logTail(15);
                }
                long[] times = got.successTimes();
                long last = times.length == 0 ? w.startEpochMicros() : times[times.length - 1];
                r.put("events", events).put("fail_percent", settings.failPercent())
                        .put("first_attempt_failures", got.failuresAnswered())
                        .put("deliveries_per_s", events / ((last - w.startEpochMicros()) / 1e6))
                        .put("deliveries_per_s_receiving", Received.ratePerSecond(times, times.length))
                        .put("worker_wall_s", (last - w.startEpochMicros()) / 1e6);
                cpuAndMemory(r, w, got, times, events);
                correctness(r, got, counts, events, got.distinctSucceededDeliveries());
                r.put("expected_audit_rows", events + got.failuresAnswered());
            }
            progress.printf("  %s: %,d events, %,d first attempts failed; all succeeded at %,.0f deliveries/s; "
                            + "%d duplicates, %d lost%n", label, events, r.metrics.get("first_attempt_failures"),
                    r.metrics.get("deliveries_per_s"), r.metrics.get("duplicates"), r.metrics.get("lost"));
            printCost(label, r);
        } catch (Exception e) {
            r.error = describe(e);
        }
        return r;
    }

    // ---------------------------------------------------------------- latency

    /**
     * One worker runs; the bench inserts events one per transaction at a steady rate, first for
     * the warm-up (not measured; until the worker is up and has caught up), then for the measured
     * phase, recording each commit's instant.
     * Latency = the receiver's first 2xx receive time minus that instant (one wall clock, one host).
     * With {@code notify}, each transaction also runs NOTIFY and the worker runs with --listen.
     */
    RunResult latency(String label, boolean notify) {
        RunResult r = new RunResult();
        try (BenchDatabase db = BenchDatabase.recreate(env.serverUrl())) {
            db.addEndpoint(receiver.url("/hook"), secret);
            receiver.reset(0);
            // From before the worker starts, warm-up included: a pause to start it after the
            // warm-up would let the worker's poll back off, and lengthen the measured latencies.
            CostPerDelivery cost = CostPerDelivery.start(db.url());
            try (MeasuredProcesses w = MeasuredProcesses.workers(env, db.url(), 1,
                    notify ? List.of("--listen") : List.of(), label)) {
                Warmup warmup = warmUp(db, w, notify);
                long warm = warmup.events();
                if (!warmup.caughtUp()) {
                    progress.printf("  %s: the worker had not caught up with %d events/s after the warm-up; the "
                            + "latencies include the queue it could not drain%n", label, settings.rate());
                }
                Map<UUID, Long> commits = new java.util.concurrent.ConcurrentHashMap<>();
                List<Double> insertMs = java.util.Collections.synchronizedList(new ArrayList<>());
                long from = micros(Instant.now());
                db.enqueueSteadily(settings.rate(), settings.seconds(), warm, notify, (id, at, nanos) -> {
                    commits.put(id, micros(at));
                    insertMs.add(nanos / 1e6);
                });
                long to = micros(Instant.now());
                boolean done = awaitSuccesses(warm + commits.size(), Duration.ofSeconds(30), w, true);
                w.terminate();
                boolean exited = w.awaitExit(Duration.ofSeconds(60));
                Received got = receiver.dump();
                long delivered = got.distinctSucceededDeliveries();
                cost.finish(r, delivered);
                processCost(r, w, delivered);
                if (!done || !exited || w.exitCodes().stream().anyMatch(c -> c != 0)) {
                    r.error = (!done ? "not every event arrived: the worker made no progress for 30 s"
                            : "the worker did not stop cleanly: " + w.exitCodes()) + "\n" + w.logTail(15);
                }
                Map<UUID, Long> arrived = got.firstSuccessByEvent();
                List<Double> latencies = new ArrayList<>();
                long lost = 0;
                for (var c : commits.entrySet()) {
                    Long at = arrived.get(c.getKey());
                    if (at == null) {
                        lost++;
                    } else {
                        latencies.add((at - c.getValue()) / 1000.0);
                    }
                }
                double[] sorted = Stats.sorted(latencies);
                r.latenciesMs = sorted;
                long[] times = got.successTimes();
                double[] inserts = Stats.sorted(new ArrayList<>(insertMs));
                r.put("rate", settings.rate()).put("seconds", settings.seconds())
                        .put("warmup_events", warm)
                        .put("warmup_caught_up", warmup.caughtUp() ? 1 : 0)
                        .put("events_measured", commits.size())
                        .put("achieved_rate", commits.size() / ((to - from) / 1e6))
                        .put("insert_commit_p50_ms", Stats.percentile(inserts, 50))
                        .put("insert_commit_p99_ms", Stats.percentile(inserts, 99))
                        .put("latency_p50_ms", Stats.percentile(sorted, 50))
                        .put("latency_p95_ms", Stats.percentile(sorted, 95))
                        .put("latency_p99_ms", Stats.percentile(sorted, 99))
                        .put("latency_max_ms", sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1])
                        .put("latency_mean_ms", latencies.stream().mapToDouble(Double::doubleValue).average()
                                .orElse(Double.NaN))
                        .put("worker_cpu_ms_per_delivery_steady", w.steadyCpuMsPerDelivery(times, from, to))
                        .put("worker_cores_while_delivering", w.coresBetween(from, to))
                        .put("duplicates", got.duplicates())
                        .put("lost", lost);
            }
            progress.printf("  %s: %,d events at %d/s; latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; "
                            + "%d lost%n", label, r.metrics.get("events_measured"), settings.rate(),
                    r.metrics.get("latency_p50_ms"), r.metrics.get("latency_p95_ms"), r.metrics.get("latency_p99_ms"),
                    r.metrics.get("latency_max_ms"), r.metrics.get("lost"));
            printCost(label, r);
        } catch (Exception e) {
            r.error = describe(e);
        }
        return r;
    }

    /**
     * Inserts at the scenario's rate, one second at a time, until the warm-up time has passed and
     * the worker has caught up (every warm-up event but the last half second's has arrived), so
     * the measured phase starts with a running, warmed worker. When the worker has not caught up
     * after four times the warm-up (at least 30 s), the measured phase starts anyway and the run
     * says so: its latencies then include the queue the worker could not drain.
     */
    private Warmup warmUp(BenchDatabase db, MeasuredProcesses w, boolean notify) throws Exception {
        long inserted = 0;
        long t0 = System.nanoTime();
        double limit = Math.max(30, settings.warmupSeconds() * 4);
        while (true) {
            inserted += db.enqueueSteadily(settings.rate(), 1.0, inserted, notify, (id, at, nanos) -> { });
            if (w.exitCodes().stream().allMatch(c -> c >= 0)) {
                throw new IllegalStateException("the worker exited during the warm-up: " + w.exitCodes() + "\n"
                        + w.logTail(15));
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            boolean caughtUp = receiver.successes() >= inserted - settings.rate() / 2;
            if (elapsed >= settings.warmupSeconds() && caughtUp || elapsed >= limit) {
                return new Warmup(inserted, caughtUp);
            }
        }
    }

    private record Warmup(long events, boolean caughtUp) {
    }

    // ---------------------------------------------------------------- backlog

    /**
     * {@code size} pending deliveries routed by the worker's own router before it starts; the claim
     * explained before (cold, then warm) and after; one worker runs until the first
     * {@code backlogMeasure} deliveries have arrived, then is stopped. The rate is taken between
     * the first and the n-th arrival.
     */
    RunResult backlog(String label, int size) {
        RunResult r = new RunResult();
        int measure = Math.min(settings.backlogMeasure(), size);
        try (BenchDatabase db = BenchDatabase.recreate(env.serverUrl())) {
            db.addEndpoint(receiver.url("/hook"), secret);
            progress.printf("  %s: loading %,d pending deliveries ...%n", label, size);
            double loadSeconds = db.preRoute(size);
            String planCold = db.explainClaim(settings.claimLimit());
            String planWarm = db.explainClaim(settings.claimLimit());
            receiver.reset(0);
            try (MeasuredProcesses w = MeasuredProcesses.workers(env, db.url(), 1, List.of(), label)) {
                boolean done = awaitSuccesses(measure, timeoutFor(measure), w);
                w.terminate();
                boolean exited = w.awaitExit(Duration.ofSeconds(60));
                String planAfter = db.explainClaim(settings.claimLimit());
                Received got = receiver.dump();
                if (!done || !exited || w.exitCodes().stream().anyMatch(c -> c != 0)) {
                    r.error = (!done ? "the first " + measure + " deliveries did not arrive in time"
                            : "the worker did not stop cleanly: " + w.exitCodes()) + "\n" + w.logTail(15);
                }
                long[] times = got.successTimes();
                long windowEnd = times.length == 0 ? 0 : times[Math.min(measure, times.length) - 1];
                r.put("backlog", size).put("load_s", loadSeconds).put("measured_deliveries", measure)
                        .put("deliveries_per_s_receiving", Received.ratePerSecond(times, measure))
                        .put("first_delivery_s", times.length == 0 ? Double.NaN
                                : (times[0] - w.startEpochMicros()) / 1e6)
                        .put("worker_cpu_ms_per_delivery_steady", times.length == 0 ? Double.NaN
                                : w.steadyCpuMsPerDelivery(times, times[0], windowEnd))
                        .put("worker_cores_while_delivering", times.length == 0 ? Double.NaN
                                : w.coresBetween(times[0], windowEnd))
                        .put("worker_peak_rss_mb", w.peakRssMb())
                        .put("postgres_cpu_ms_per_delivery", env.localServer() && times.length > 0
                                ? w.postgresCpuMs() / times.length : Double.NaN)
                        .put("claim_ms_cold", BenchDatabase.executionMs(planCold))
                        .put("claim_ms_warm", BenchDatabase.executionMs(planWarm))
                        .put("claim_ms_after", BenchDatabase.executionMs(planAfter))
                        .put("duplicates", got.duplicates());
                r.detail("postgres_backend_activity", w.postgresActivity())
                        .detail("claim_sql", com.d3.webhooks.delivery.DeliveryRepository.CLAIM_SQL)
                        .detail("claim_plan_warm", planWarm)
                        .detail("claim_plan_after", planAfter);
            }
            progress.printf("  %s: loaded in %.0f s; first %,d deliveries at %,.0f/s; claim %.2f ms warm, %.2f ms "
                            + "after%n", label, loadSeconds, measure, r.metrics.get("deliveries_per_s_receiving"),
                    r.metrics.get("claim_ms_warm"), r.metrics.get("claim_ms_after"));
        } catch (Exception e) {
            r.error = describe(e);
        }
        return r;
    }

    // ---------------------------------------------------------------- fairness

    /**
     * The isolation figure, one pair of runs: the deliveries/s (first to last arrival) of
     * nine healthy endpoints beside a tenth that is healthy too, and beside a tenth that hangs
     * (accepts the connection, never answers): the same nine endpoints and events both times. Every
     * endpoint belongs to the bench account, so each event fans out to all of them; the worker runs
     * with its defaults, as every bench worker does. {@code healthyFirst}
     * alternates the order between runs, so that warm-up or other load does not favour one side.
     */
    RunResult fairness(String label, boolean healthyFirst) {
        RunResult r = new RunResult();
        int events = Math.max(100, settings.events() / 10);
        try {
            double allHealthy;
            double withHanging;
            if (healthyFirst) {
                allHealthy = healthyRate(label + "-10healthy", events, false, r);
                withHanging = healthyRate(label + "-9healthy-1hanging", events, true, r);
            } else {
                withHanging = healthyRate(label + "-9healthy-1hanging", events, true, r);
                allHealthy = healthyRate(label + "-10healthy", events, false, r);
            }
            r.put("events", events)
                    .put("nine_beside_healthy_deliveries_per_s", allHealthy)
                    .put("nine_beside_hanging_deliveries_per_s", withHanging)
                    .put("ratio", withHanging / allHealthy);
            progress.printf("  %s: deliveries/s to 9 healthy endpoints: tenth healthy %,.0f, tenth hanging %,.0f, "
                            + "ratio %.2f (%d requests held by the hanging endpoint)%n", label, allHealthy, withHanging,
                    withHanging / allHealthy, r.metrics.get("hanging_requests"));
            printCost(label + "-10healthy", r);
        } catch (Exception e) {
            r.error = describe(e);
        }
        return r;
    }

    /** One configuration of {@link #fairness}: the nine healthy endpoints' deliveries/s, first to last arrival. */
    private double healthyRate(String label, int events, boolean hanging, RunResult r) throws Exception {
        try (BenchDatabase db = BenchDatabase.recreate(env.serverUrl()); HangingReceiver hang = new HangingReceiver()) {
            for (int i = 0; i < 9; i++) {
                db.addEndpoint(receiver.url("/hook" + i), secret);
            }
            long tenth = db.addEndpoint(hanging ? hang.url("/hang") : receiver.url("/hook9"), secret);
            db.enqueue(events);
            receiver.reset(0);
            // Every 2xx answer of the receiver: the nine's, and the tenth's when it is healthy.
            long expected = (long) events * (hanging ? 9 : 10);
            // Per delivery only where every delivery ends: beside the healthy tenth.
            CostPerDelivery cost = hanging ? null : CostPerDelivery.start(db.url());
            try (MeasuredProcesses w = MeasuredProcesses.workers(env, db.url(), 1, List.of(), label)) {
                boolean done = awaitSuccesses(expected, timeoutFor((int) expected), w);
                int held = hang.connections();
                // The requests in flight to the hanging endpoint fail at once, so the worker stops quickly.
                hang.close();
                w.terminate();
                boolean exited = w.awaitExit(Duration.ofSeconds(60));
                if (cost != null) {
                    cost.finish(r, expected);
                    processCost(r, w, expected);
                }
                Received got = receiver.dump();
                if (!done || !exited) {
                    throw new IllegalStateException((!done ? "the healthy deliveries did not all arrive in time"
                            : "the worker did not stop") + "\n" + w.logTail(15));
                }
                if (hanging) {
                    r.put("hanging_requests", held);
                }
                r.put(hanging ? "duplicates_with_hanging" : "duplicates", got.duplicates());
                // The nine's arrivals only: the tenth's deliveries, when it is healthy, are not compared.
                long[] times = got.successTimesExcept(db.deliveryIdsTo(tenth));
                return Received.ratePerSecond(times, times.length);
            }
        }
    }

    // ---------------------------------------------------------------- ordered-plan

    /**
     * {@code size} undelivered deliveries across {@code keys} ordering keys to one ordered
     * endpoint, routed by the worker's own router (each key's head pending, the rest
     * waiting); then EXPLAIN (ANALYZE, BUFFERS) of the worker's real claim statement and of the
     * promotion that follows a batch of successes, each once cold and {@value #PLAN_REPEATS} times
     * warm (the median is reported). No worker runs.
     */
    RunResult orderedPlan(String label, int size, int keys) {
        RunResult r = new RunResult();
        try (BenchDatabase db = BenchDatabase.recreate(env.serverUrl())) {
            db.addEndpoint(receiver.url("/hook"), secret, true);
            progress.printf("  %s: loading %,d deliveries across %,d keys ...%n", label, size, keys);
            double loadSeconds = db.preRoute(size, keys);
            Map<String, Long> counts = db.counts();
            String claimCold = db.explainClaim(settings.claimLimit());
            String promoteCold = db.explainPromotion(settings.claimLimit());
            List<Double> claimMs = new ArrayList<>();
            List<Double> promoteMs = new ArrayList<>();
            String claimPlan = claimCold;
            String promotePlan = promoteCold;
            for (int i = 0; i < PLAN_REPEATS; i++) {
                claimPlan = db.explainClaim(settings.claimLimit());
                claimMs.add(BenchDatabase.executionMs(claimPlan));
                promotePlan = db.explainPromotion(settings.claimLimit());
                promoteMs.add(BenchDatabase.executionMs(promotePlan));
            }
            r.put("backlog", size).put("keys", keys).put("load_s", loadSeconds)
                    .put("pending", counts.get("pending")).put("waiting", counts.getOrDefault("waiting", 0L))
                    .put("claim_limit", settings.claimLimit())
                    .put("claim_ms_cold", BenchDatabase.executionMs(claimCold))
                    .put("claim_ms_warm", Stats.median(claimMs))
                    .put("claim_buffers_warm", BenchDatabase.sharedBuffers(claimPlan))
                    .put("promote_ms_cold", BenchDatabase.executionMs(promoteCold))
                    .put("promote_ms_warm", Stats.median(promoteMs))
                    .put("promote_buffers_warm", BenchDatabase.sharedBuffers(promotePlan));
            r.detail("claim_plan_warm", claimPlan).detail("promote_plan_warm", promotePlan)
                    .detail("claim_plan_cold", claimCold).detail("promote_plan_cold", promoteCold);
            progress.printf("  %s: loaded in %.0f s (%,d pending, %,d waiting); claim %.3f ms, promotion of %d keys "
                            + "%.3f ms (warm medians)%n", label, loadSeconds, counts.get("pending"),
                    counts.getOrDefault("waiting", 0L), r.metrics.get("claim_ms_warm"), settings.claimLimit(),
                    r.metrics.get("promote_ms_warm"));
        } catch (Exception e) {
            r.error = describe(e);
        }
        return r;
    }

    /** Warm EXPLAIN ANALYZE runs per statement in the ordered-plan scenario. */
    static final int PLAN_REPEATS = 5;

    // ---------------------------------------------------------------- shared

    private void cpuAndMemory(RunResult r, MeasuredProcesses w, Received got, long[] times, int events) {
        processCost(r, w, events);
        r.put("worker_cpu_ms_per_delivery_steady", times.length == 0 ? Double.NaN
                        : w.steadyCpuMsPerDelivery(times, times[0], times[times.length - 1]))
                .put("worker_cores_while_delivering", times.length == 0 ? Double.NaN
                        : w.coresBetween(times[0], times[times.length - 1]));
    }

    /** The workers' CPU (whole processes) and their backends' per delivery, and the workers' peak memory. */
    private void processCost(RunResult r, MeasuredProcesses w, long deliveries) {
        double n = Math.max(1, deliveries);
        r.put("worker_cpu_ms_per_delivery", w.cpuMs() / n)
                .put("worker_jit_cpu_ms_per_delivery", w.jitCpuMs() / n)
                .put("worker_peak_rss_mb", w.peakRssMb())
                .put("postgres_cpu_ms_per_delivery", env.localServer() ? w.postgresCpuMs() / n : Double.NaN);
        if (env.localServer()) {
            r.detail("postgres_backend_activity", w.postgresActivity());
        }
    }

    /** One line of what a run cost per delivery, then the statements that took the most time. */
    private void printCost(String label, RunResult r) {
        progress.printf("  %s: per delivery %.3f worker CPU ms, %s PostgreSQL CPU ms, %s WAL B, %s stored B%n", label,
                r.metrics.get("worker_cpu_ms_per_delivery"), r.metrics.get("postgres_cpu_ms_per_delivery"),
                r.metrics.get("wal_bytes_per_delivery"), r.metrics.get("stored_bytes_per_delivery"));
        printStatements(label, r);
    }

    /** The statements by time per delivery, when pg_stat_statements is loaded (see {@link CostPerDelivery}). */
    private void printStatements(String label, RunResult r) {
        if (r.details.get(CostPerDelivery.STATEMENTS) instanceof List<?> top && !top.isEmpty()) {
            progress.printf("  %s: statements by total time (pg_stat_statements, planning included):%n", label);
            top.forEach(line -> progress.printf("    %s%n", line));
        }
    }

    /**
     * Lost: neither delivered nor still in the database to be delivered. A delivery whose first
     * attempt failed (a receiver closing a reused connection, say) is pending with its retry a few
     * seconds away when --exit-when-idle stops the worker: that one is counted apart, not as lost.
     */
    private static void correctness(RunResult r, Received got, Map<String, Long> counts, int events, long delivered) {
        long retryScheduled = counts.get("pending") + counts.get("in_flight");
        r.put("delivered", delivered)
                .put("duplicates", got.duplicates())
                .put("retry_scheduled_at_exit", retryScheduled)
                .put("lost", Math.max(0, Math.max(events - delivered, events - counts.get("succeeded")) - retryScheduled))
                .put("succeeded_in_db", counts.get("succeeded"))
                .put("audit_rows", counts.get("audit_rows"));
    }

    /** Polls the receiver every 100 ms until {@code target} 2xx answers; false on timeout or if the workers died. */
    private boolean awaitSuccesses(long target, Duration timeout, MeasuredProcesses w)
            throws IOException, InterruptedException {
        return awaitSuccesses(target, timeout, w, false);
    }

    /**
     * As above; with {@code whileProgressing} the timeout counts from the last new arrival rather
     * than from the call, so a slow worker may finish a long queue.
     */
    private boolean awaitSuccesses(long target, Duration timeout, MeasuredProcesses w, boolean whileProgressing)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            long now = receiver.successes();
            if (now >= target) {
                return true;
            }
            if (whileProgressing && now > seen) {
                seen = now;
                deadline = System.nanoTime() + timeout.toNanos();
            }
            if (w.exitCodes().stream().allMatch(c -> c >= 0)) {
                return receiver.successes() >= target;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** At least 50 deliveries/s, plus a minute for start-up. */
    private static Duration timeoutFor(int deliveries) {
        return Duration.ofSeconds(60 + deliveries / 50);
    }

    private static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    private static String describe(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return e.getClass().getSimpleName() + ": " + (root.getMessage() == null ? root : root.getMessage());
    }
}
