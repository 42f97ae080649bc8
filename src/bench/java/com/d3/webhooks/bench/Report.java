package com.d3.webhooks.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The terminal table (the headline figures of each scenario, medians with each run's value) and
 * the comparison with their targets, all as ratios or figures measured in this one run.
 * Every figure, headline or not, is in the JSON file.
 */
final class Report {

    /** Headline figures per scenario kind, with the label the table gives them. */
    private static final Map<String, Map<String, String>> HEADLINES = new LinkedHashMap<>();

    static {
        Map<String, String> drain = new LinkedHashMap<>();
        drain.put("deliveries_per_s", "deliveries/s, worker start to exit");
        drain.put("deliveries_per_s_receiving", "deliveries/s, first to last arrival");
        drain.put("worker_cpu_ms_per_delivery", "worker CPU ms/delivery, whole process");
        drain.put("worker_jit_cpu_ms_per_delivery", "... of which JIT compiler threads (warm-up)");
        drain.put("worker_cpu_ms_per_delivery_steady", "worker CPU ms/delivery, while delivering");
        drain.put("worker_cores_while_delivering", "worker CPU cores used while delivering");
        drain.put("worker_peak_rss_mb", "worker peak RSS MB");
        drain.put("postgres_cpu_ms_per_delivery", "PostgreSQL CPU ms/delivery (approx.)");
        drain.put("receiver_cpu_ms_per_request", "receiver CPU ms/request");
        drain.put("worker_ready_s", "s from worker start to its 'started' log line");
        drain.put("first_delivery_s", "s from worker start to first arrival");
        drain.put("duplicates", "duplicates");
        drain.put("lost", "lost");
        drain.put("retry_scheduled_at_exit", "not yet delivered: retry scheduled when the worker exited");
        drain.put("storage_bytes_per_delivery", "storage bytes/delivery after drain");
        drain.put("storage_bytes_per_delivery_vacuumed", "storage bytes/delivery after VACUUM FULL");
        drain.putAll(CostPerDelivery.HEADLINES);
        HEADLINES.put("drain", drain);
        HEADLINES.put("drain-cap-lifted", drain);
        HEADLINES.put("drain-10-endpoints", drain);

        Map<String, String> floor = new LinkedHashMap<>();
        floor.put("requests_per_s", "requests/s, process start to exit");
        floor.put("requests_per_s_receiving", "requests/s, first to last arrival");
        floor.put("cpu_ms_per_request", "CPU ms/request, whole process");
        floor.put("jit_cpu_ms_per_request", "... of which JIT compiler threads (warm-up)");
        floor.put("cpu_ms_per_request_loop", "CPU ms/request, while sending");
        floor.put("peak_rss_mb", "peak RSS MB");
        floor.put("receiver_cpu_ms_per_request", "receiver CPU ms/request");
        HEADLINES.put("http-floor", floor);

        Map<String, String> retry = new LinkedHashMap<>();
        retry.put("deliveries_per_s", "deliveries/s, worker start to last success");
        retry.put("deliveries_per_s_receiving", "deliveries/s, first to last success");
        retry.put("first_attempt_failures", "first attempts answered 500");
        retry.put("worker_cpu_ms_per_delivery", "worker CPU ms/delivery, whole process");
        retry.put("audit_rows", "audit rows");
        retry.put("duplicates", "duplicates");
        retry.put("lost", "lost");
        retry.putAll(CostPerDelivery.HEADLINES);
        HEADLINES.put("retry", retry);

        Map<String, String> latency = new LinkedHashMap<>();
        latency.put("achieved_rate", "events/s committed");
        latency.put("insert_commit_p50_ms", "INSERT + COMMIT p50 ms (the app's side)");
        latency.put("latency_p50_ms", "latency p50 ms");
        latency.put("latency_p95_ms", "latency p95 ms");
        latency.put("latency_p99_ms", "latency p99 ms");
        latency.put("latency_max_ms", "latency max ms");
        latency.put("worker_cores_while_delivering", "worker CPU cores used");
        latency.put("worker_cpu_ms_per_delivery", "worker CPU ms/delivery, whole process (idle polls included)");
        latency.put("worker_peak_rss_mb", "worker peak RSS MB");
        latency.put("lost", "lost");
        latency.putAll(CostPerDelivery.HEADLINES);
        HEADLINES.put("latency", latency);
        HEADLINES.put("latency-notify", latency);

        Map<String, String> workers = new LinkedHashMap<>();
        workers.put("deliveries_per_s", "deliveries/s, first start to last exit");
        workers.put("deliveries_per_s_receiving", "deliveries/s, first to last arrival");
        workers.put("worker_cpu_ms_per_delivery", "CPU ms/delivery, all workers");
        workers.put("worker_peak_rss_mb", "peak RSS MB of one worker");
        workers.put("duplicates", "duplicates");
        workers.put("lost", "lost");
        workers.put("retry_scheduled_at_exit", "not yet delivered: retry scheduled when the worker exited");
        workers.putAll(CostPerDelivery.HEADLINES);
        HEADLINES.put("workers", workers);

        Map<String, String> backlog = new LinkedHashMap<>();
        backlog.put("deliveries_per_s_receiving", "deliveries/s over the measured deliveries");
        backlog.put("worker_cpu_ms_per_delivery_steady", "worker CPU ms/delivery, while delivering");
        backlog.put("worker_peak_rss_mb", "worker peak RSS MB");
        backlog.put("claim_ms_warm", "claim ms (EXPLAIN ANALYZE, before)");
        backlog.put("claim_ms_after", "claim ms (EXPLAIN ANALYZE, after)");
        backlog.put("load_s", "s to load the backlog");
        backlog.put("duplicates", "duplicates");
        HEADLINES.put("backlog", backlog);

        Map<String, String> fairness = new LinkedHashMap<>();
        fairness.put("nine_beside_healthy_deliveries_per_s", "deliveries/s to 9 healthy, tenth healthy");
        fairness.put("nine_beside_hanging_deliveries_per_s", "deliveries/s to 9 healthy, tenth hanging");
        fairness.put("ratio", "tenth hanging / tenth healthy");
        fairness.put("hanging_requests", "requests held by the hanging endpoint");
        fairness.put("worker_cpu_ms_per_delivery", "worker CPU ms/delivery, tenth healthy, whole process");
        fairness.putAll(CostPerDelivery.HEADLINES);
        HEADLINES.put("fairness", fairness);

        Map<String, String> ordered = new LinkedHashMap<>();
        ordered.put("deliveries_per_s", "deliveries/s, worker start to exit");
        ordered.put("deliveries_per_s_receiving", "deliveries/s, first to last arrival");
        ordered.put("worker_cpu_ms_per_delivery", "worker CPU ms/delivery, whole process");
        ordered.put("postgres_cpu_ms_per_delivery", "PostgreSQL CPU ms/delivery (approx.)");
        ordered.put("receiver_max_in_progress", "most requests in progress at the receiver at once");
        ordered.put("out_of_order", "deliveries that arrived after a later one of their key");
        ordered.put("duplicates", "duplicates");
        ordered.put("lost", "lost");
        ordered.putAll(CostPerDelivery.HEADLINES);
        HEADLINES.put("ordered", ordered);
        HEADLINES.put("ordered-single-key", ordered);

        Map<String, String> plan = new LinkedHashMap<>();
        plan.put("pending", "pending deliveries (the keys' heads)");
        plan.put("waiting", "waiting deliveries");
        plan.put("claim_ms_cold", "claim ms, first EXPLAIN ANALYZE");
        plan.put("claim_ms_warm", "claim ms, warm (median of " + ScenarioRuns.PLAN_REPEATS + ")");
        plan.put("claim_buffers_warm", "claim shared buffers, warm");
        plan.put("promote_ms_cold", "promotion ms, first EXPLAIN ANALYZE");
        plan.put("promote_ms_warm", "promotion ms, warm (median of " + ScenarioRuns.PLAN_REPEATS + ")");
        plan.put("promote_buffers_warm", "promotion shared buffers, warm");
        plan.put("load_s", "s to load the backlog");
        HEADLINES.put("ordered-plan", plan);

        Map<String, String> route = new LinkedHashMap<>();
        route.put("events_routed_per_s", "events routed/s, all routers");
        route.put("router_cpu_ms_per_event", "router CPU ms/event (bench threads)");
        route.putAll(CostPerDelivery.HEADLINES);
        HEADLINES.put("route-only", route);

        Map<String, String> receiver = new LinkedHashMap<>();
        receiver.put("requests_per_s_receiving", "floor requests/s, first to last arrival");
        receiver.put("receiver_cpu_ms_per_request", "receiver CPU ms/request");
        receiver.put("cpu_ms_per_request", "floor CPU ms/request");
        HEADLINES.put("receiver", receiver);
    }

    /** A comparison of a measured figure with its target. */
    record Check(String what, String measured, String target, String verdict) {
    }

    private Report() {
    }

    static void printTable(PrintStream out, List<ScenarioResult> results, int runs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SCENARIO", "FIGURE", "MEDIAN", "RUNS"});
        for (ScenarioResult s : results) {
            Map<String, String> labels = HEADLINES.getOrDefault(kind(s.name), Map.of());
            boolean first = true;
            for (var e : labels.entrySet()) {
                if (!s.metricNames().contains(e.getKey())) {
                    continue;
                }
                List<String> each = s.values(e.getKey()).stream().map(Report::format).toList();
                rows.add(new String[] {first ? s.name : "", e.getValue(), format(s.median(e.getKey())),
                        String.join(" / ", each)});
                first = false;
            }
            for (RunResult r : s.runs) {
                if (r.error != null) {
                    rows.add(new String[] {first ? s.name : "", "ERROR", "", r.error.lines().findFirst().orElse("")});
                    first = false;
                }
            }
        }
        print(out, rows);
    }

    static List<Check> checks(Map<String, ScenarioResult> byName) {
        List<Check> checks = new ArrayList<>();
        ScenarioResult drain = byName.get("drain");
        ScenarioResult floor = byName.get("http-floor");
        if (drain != null && floor != null) {
            Double r = ratio(drain.median("deliveries_per_s_receiving"), floor.median("requests_per_s_receiving"));
            checks.add(new Check("drain / HTTP floor, deliveries/s (first to last arrival)", format(r), "-", ""));
            Double w = ratio(drain.median("deliveries_per_s"), floor.median("requests_per_s"));
            checks.add(new Check("drain / HTTP floor, deliveries/s (process start to exit)", format(w), "-", ""));
            Double c = ratio(drain.median("worker_cpu_ms_per_delivery"), floor.median("cpu_ms_per_request"));
            checks.add(new Check("worker CPU / floor CPU per request (whole process)", format(c), "-", ""));
            // JIT compilation is warm-up that a long-running worker pays once; a drain of a few
            // seconds pays it in full, and the worker compiles more code than the floor.
            Double warm = ratio(difference(drain.median("worker_cpu_ms_per_delivery"),
                    drain.median("worker_jit_cpu_ms_per_delivery")), difference(floor.median("cpu_ms_per_request"),
                    floor.median("jit_cpu_ms_per_request")));
            checks.add(new Check("worker CPU / floor CPU per request (whole process, JIT compilers excluded)",
                    format(warm), "-", ""));
            // When every process shares the machine's cores and they are busy, each side's rate is
            // cores / (CPU per item of all processes): this ratio is what that bound allows, and the
            // drain's share of it says whether the worker idled while work was due.
            Double bound = ratio(sum(floor.median("cpu_ms_per_request_loop"), floor.median("receiver_cpu_ms_per_request")),
                    sum(drain.median("worker_cpu_ms_per_delivery_steady"), drain.median("postgres_cpu_ms_per_delivery"),
                            drain.median("receiver_cpu_ms_per_request")));
            checks.add(new Check("drain / floor that shared CPU allows (floor CPU / drain CPU incl. PostgreSQL)",
                    format(bound), "-", ""));
            Double used = ratio(r, bound);
            checks.add(new Check("drain / CPU-bound drain (the worker never idles while work is due)", format(used),
                    ">= 0.9", verdict(used != null && used >= 0.9)));
        }
        if (drain != null) {
            Double cpu = drain.median("worker_cpu_ms_per_delivery");
            checks.add(new Check("worker CPU ms/delivery, whole process incl. JVM start", format(cpu), "-", ""));
            Double steady = drain.median("worker_cpu_ms_per_delivery_steady");
            checks.add(new Check("worker CPU ms/delivery, while delivering", format(steady), "<= 0.22",
                    verdict(steady != null && steady <= 0.22)));
            Double pg = drain.median("postgres_cpu_ms_per_delivery");
            checks.add(new Check("PostgreSQL CPU ms/delivery (approx.)", format(pg), "<= 0.07",
                    verdict(pg != null && pg <= 0.07)));
            Double bytes = drain.median("storage_bytes_per_delivery");
            checks.add(new Check("storage bytes/delivery (outbox + delivery + audit + indexes)", format(bytes),
                    "<= 2,400", verdict(bytes != null && bytes <= 2400)));
        }
        ScenarioResult liftedWal = byName.get("drain-cap-lifted");
        if (liftedWal != null) {
            Double wal = liftedWal.median("wal_bytes_per_delivery");
            checks.add(new Check("WAL bytes/delivery, cap lifted, from a checkpoint", format(wal), "<= 3,000",
                    verdict(wal != null && wal <= 3000)));
        }
        ScenarioResult oneRouter = byName.get(RouteOnly.rowName(1, 0));
        if (oneRouter != null) {
            Double one = oneRouter.median("events_routed_per_s");
            checks.add(new Check("events routed/s, one router, no HTTP", format(one), ">= 20,000",
                    verdict(one != null && one >= 20000)));
            ScenarioResult twoRouters = byName.get(RouteOnly.rowName(2, 0));
            Double two = twoRouters == null ? null : twoRouters.median("events_routed_per_s");
            if (two != null) {
                checks.add(new Check("events routed/s, two routers / one", format(ratio(two, one)), "> 1",
                        verdict(one != null && two > one)));
            }
        }
        ScenarioResult lifted = byName.get("drain-cap-lifted");
        if (drain != null && lifted != null) {
            Double r = ratio(drain.median("deliveries_per_s"), lifted.median("deliveries_per_s"));
            checks.add(new Check("drain with the default per-endpoint cap / cap lifted, deliveries/s", format(r),
                    ">= 0.9", verdict(r != null && r >= 0.9)));
            Double c = ratio(drain.median("worker_cpu_ms_per_delivery_steady"),
                    lifted.median("worker_cpu_ms_per_delivery_steady"));
            checks.add(new Check("worker CPU per delivery, default cap / cap lifted (while delivering)", format(c),
                    "0.9 - 1.1", verdict(c != null && c >= 0.9 && c <= 1.1)));
        }
        ScenarioResult retry = byName.get("retry");
        if (retry != null && drain != null) {
            Double r = ratio(retry.median("deliveries_per_s"), drain.median("deliveries_per_s"));
            checks.add(new Check("retry (10% fail once, 1 s retry) / drain, deliveries/s", format(r), "-", ""));
        }
        ScenarioResult latency = byName.get("latency");
        if (latency != null) {
            Double p99 = latency.median("latency_p99_ms");
            // The latency target is set at 200 events/s; at other rates the figure is reported only.
            boolean targetRate = Double.valueOf(200).equals(latency.median("rate"));
            checks.add(new Check("latency p50 / p99 at " + format(latency.median("rate")) + " events/s, ms",
                    format(latency.median("latency_p50_ms")) + " / " + format(p99),
                    targetRate ? "p99 <= 50" : "p99 <= 50 at 200/s",
                    targetRate ? verdict(p99 != null && p99 <= 50) : ""));
        }
        ScenarioResult notify = byName.get("latency-notify");
        if (notify != null) {
            Double p99 = notify.median("latency_p99_ms");
            Double polled = latency == null ? null : latency.median("latency_p99_ms");
            checks.add(new Check("latency p50 / p99 with NOTIFY + --listen, ms",
                    format(notify.median("latency_p50_ms")) + " / " + format(p99),
                    polled == null ? "lower than polling" : "p99 < " + format(polled) + " (polling)",
                    polled == null ? "" : verdict(p99 != null && p99 < polled)));
        }
        ScenarioResult small = null;
        ScenarioResult large = null;
        for (ScenarioResult s : byName.values()) {
            if (kind(s.name).equals("backlog")) {
                Double n = s.median("backlog");
                if (n != null && (small == null || n < small.median("backlog"))) {
                    small = s;
                }
                if (n != null && (large == null || n > large.median("backlog"))) {
                    large = s;
                }
            }
        }
        if (small != null && large != null && small != large) {
            Double r = ratio(large.median("deliveries_per_s_receiving"), small.median("deliveries_per_s_receiving"));
            checks.add(new Check("backlog " + format(large.median("backlog")) + " / " + format(small.median("backlog"))
                    + ", deliveries/s", format(r), ">= 0.9", verdict(r != null && r >= 0.9)));
            checks.add(new Check("claim ms at " + format(large.median("backlog")) + " vs "
                    + format(small.median("backlog")) + " (EXPLAIN ANALYZE)", format(large.median("claim_ms_warm"))
                    + " vs " + format(small.median("claim_ms_warm")), "independent of backlog", ""));
        }
        ScenarioResult unordered = byName.get("ordered=off");
        ScenarioResult ordered = byName.get("ordered=on");
        if (unordered != null && ordered != null) {
            List<Double> perRun = new ArrayList<>();
            for (int i = 0; i < Math.min(unordered.runs.size(), ordered.runs.size()); i++) {
                Double r = ratio(value(ordered.runs.get(i), "deliveries_per_s_receiving"),
                        value(unordered.runs.get(i), "deliveries_per_s_receiving"));
                if (r != null && !r.isNaN()) {
                    perRun.add(r);
                }
            }
            Double r = Stats.median(perRun);
            checks.add(new Check("ordered (" + format(ordered.median("keys")) + " keys) / unordered, deliveries/s "
                    + "(first to last arrival; median of per-run ratios " + String.join(" / ",
                    perRun.stream().map(Report::format).toList()) + ")", format(r), ">= 0.8",
                    verdict(r != null && r >= 0.8)));
            Double w = ratio(ordered.median("deliveries_per_s"), unordered.median("deliveries_per_s"));
            checks.add(new Check("ordered / unordered, deliveries/s (worker start to exit, medians)", format(w), "-",
                    ""));
            long late = ordered.runs.stream().mapToLong(x -> x.metrics.getOrDefault("out_of_order", 0).longValue())
                    .sum();
            checks.add(new Check("ordered: deliveries that arrived after a later one of their key, every run",
                    Long.toString(late), "0", verdict(late == 0)));
        }
        ScenarioResult single = byName.get("ordered-single-key");
        if (single != null) {
            long most = single.runs.stream()
                    .mapToLong(x -> x.metrics.getOrDefault("receiver_max_in_progress", 0).longValue()).max().orElse(0);
            checks.add(new Check("ordered, one key: most requests in progress at the receiver at once, every run",
                    Long.toString(most), "1", verdict(most == 1)));
            checks.add(new Check("ordered, one key: deliveries/s (first to last arrival)",
                    format(single.median("deliveries_per_s_receiving")), "reported", ""));
        }
        ScenarioResult planSmall = null;
        ScenarioResult planLarge = null;
        for (ScenarioResult s : byName.values()) {
            if (kind(s.name).equals("ordered-plan") && s.median("backlog") != null) {
                if (planSmall == null || s.median("backlog") < planSmall.median("backlog")) {
                    planSmall = s;
                }
                if (planLarge == null || s.median("backlog") > planLarge.median("backlog")) {
                    planLarge = s;
                }
            }
        }
        if (planSmall != null && planLarge != null && planSmall != planLarge) {
            String sizes = " at " + format(planLarge.median("backlog")) + " vs " + format(planSmall.median("backlog"));
            checks.add(new Check("ordered claim ms" + sizes + " (EXPLAIN ANALYZE, warm)",
                    format(planLarge.median("claim_ms_warm")) + " vs " + format(planSmall.median("claim_ms_warm")),
                    "independent of backlog", ""));
            checks.add(new Check("ordered promotion ms" + sizes + " (EXPLAIN ANALYZE, warm)",
                    format(planLarge.median("promote_ms_warm")) + " vs " + format(planSmall.median("promote_ms_warm")),
                    "independent of backlog", ""));
        }
        ScenarioResult one = byName.get("workers=1");
        if (one != null) {
            List<String> ratios = new ArrayList<>();
            for (ScenarioResult s : byName.values()) {
                if (kind(s.name).equals("workers") && s != one) {
                    ratios.add(s.name.substring("workers=".length()) + ": "
                            + format(ratio(s.median("deliveries_per_s"), one.median("deliveries_per_s"))));
                }
            }
            if (!ratios.isEmpty()) {
                checks.add(new Check("N workers / 1 worker, deliveries/s", String.join(", ", ratios), "reported", ""));
            }
        }
        ScenarioResult fairness = byName.get("fairness");
        if (fairness != null) {
            Double r = fairness.median("ratio");
            checks.add(new Check("fairness: deliveries/s to 9 healthy endpoints, tenth hanging / tenth healthy", format(r),
                    ">= 0.8", verdict(r != null && r >= 0.8)));
        }
        double rss = 0;
        for (ScenarioResult s : byName.values()) {
            for (String k : List.of("worker_peak_rss_mb")) {
                Double v = s.median(k);
                if (v != null) {
                    rss = Math.max(rss, v);
                }
            }
        }
        if (rss > 0) {
            checks.add(new Check("worker peak RSS MB, highest median of any scenario", format(rss), "<= 200",
                    verdict(rss <= 200)));
        }
        long duplicates = 0;
        long lost = 0;
        for (ScenarioResult s : byName.values()) {
            if (kind(s.name).equals("http-floor") || kind(s.name).equals("receiver")) {
                continue;
            }
            for (RunResult r : s.runs) {
                duplicates += r.metrics.getOrDefault("duplicates", 0).longValue();
                lost += r.metrics.getOrDefault("lost", 0).longValue();
            }
        }
        checks.add(new Check("duplicates, every run of every scenario", Long.toString(duplicates), "0",
                verdict(duplicates == 0)));
        checks.add(new Check("lost, every run of every scenario", Long.toString(lost), "0", verdict(lost == 0)));
        return checks;
    }

    static void printChecks(PrintStream out, List<Check> checks) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"TARGET (medians, ratios within this run)", "MEASURED", "TARGET", ""});
        for (Check c : checks) {
            rows.add(new String[] {c.what(), c.measured(), c.target(), c.verdict()});
        }
        print(out, rows);
    }

    static String kind(String scenarioName) {
        int eq = scenarioName.indexOf('=');
        return eq < 0 ? scenarioName : scenarioName.substring(0, eq);
    }

    private static Double sum(Double... parts) {
        double total = 0;
        for (Double p : parts) {
            if (p == null) {
                return null;
            }
            total += p;
        }
        return total;
    }

    private static Double difference(Double a, Double b) {
        return a == null || b == null ? null : a - b;
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT MET";
    }

    private static Double value(RunResult r, String metric) {
        Number n = r.metrics.get(metric);
        return n == null ? null : n.doubleValue();
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : a / b;
    }

    static String format(Number n) {
        if (n == null) {
            return "-";
        }
        double v = n.doubleValue();
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v).replaceAll("(\\.\\d*?[1-9])0+$", "$1")
                .replaceAll("\\.0+$", "");
    }

    private static void print(PrintStream out, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], Objects.toString(r[i], "").length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                String cell = Objects.toString(r[i], "");
                boolean numeric = i == 2 && rows.indexOf(r) > 0 && !cell.isEmpty();
                b.append(numeric ? " ".repeat(widths[i] - cell.length()) + cell
                        : i == r.length - 1 ? cell : cell + " ".repeat(widths[i] - cell.length())).append("  ");
            }
            out.println(b.toString().stripTrailing());
        }
    }
}
