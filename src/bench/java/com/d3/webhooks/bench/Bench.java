package com.d3.webhooks.bench;

import com.d3.webhooks.cli.Main;
import com.d3.webhooks.delivery.WorkerConfig;
import com.d3.webhooks.signing.WebhookSecret;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/bench}: measures the real worker, as separate processes, against a loopback receiver
 * in a process of its own and PostgreSQL in a database of its own (outbox_bench, or OUTBOX_BENCH_DATABASE),
 * and the HTTP-only floor in the same run. Prints a table, writes
 * {@code target/bench/results-<timestamp>.json} and {@code target/bench/latest.json}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"Measures the delivery worker: real worker processes, a loopback receiver process, "
                + "PostgreSQL in its own database (" + BenchDatabase.DEFAULT_NAME + " or OUTBOX_BENCH_DATABASE, dropped and created again for "
                + "every scenario run). Figures are medians of --runs runs; see docs/performance.md.",
                "",
                "Scenarios: drain, drain-cap-lifted, drain-10-endpoints, http-floor,",
                "  retry, latency, latency-notify, workers, backlog, storage, receiver,",
                "  fairness, ordered, ordered-single-key, ordered-plan, route-only. Workers run",
                "  with their default settings; a scenario that changes one names it.",
                "  'default' = drain, drain-cap-lifted, drain-10-endpoints, http-floor,",
                "  retry, latency, latency-notify, workers (about 15 minutes); 'all' =",
                "  every scenario (backlog loads 1,000,000 deliveries: several more",
                "  minutes)."},
        footer = {"", "Environment: OUTBOX_JAVA_OPTS replaces the JVM options of every worker and of the HTTP floor "
                + "(default: bin/outbox's worker options; --worker-jvm-arg adds to the workers' only); "
                + "OUTBOX_BENCH_DATABASE_URL is the server when --database-url is not given.",
                "Exit codes: 0 measured, 1 a run failed or a delivery was duplicated or lost, 2 usage error."})
public final class Bench implements Callable<Integer> {

    static final int DEFAULT_EVENTS = 20_000;
    static final int DEFAULT_SET_EVENTS = 5_000;
    static final String LOCAL_SERVER = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    @Option(names = "--scenario", split = ",", paramLabel = "NAME", defaultValue = "default",
            description = "Comma-separated scenarios, 'default' or 'all'.")
    List<String> scenarios;

    @Option(names = "--events", paramLabel = "N",
            description = "Events per drain, retry and workers run, and requests per HTTP floor run. Default "
                    + "20000, or 5000 for the default set (bin/bench without --scenario).")
    Integer eventsOption;

    int events;

    @Option(names = "--runs", paramLabel = "R", defaultValue = "3", description = "Runs per scenario; the table shows medians.")
    int runs;

    @Option(names = "--concurrency", paramLabel = "C", description = "--concurrency given to every worker; default: the worker's own ("
            + WorkerConfig.DEFAULT_CONCURRENCY + ").")
    Integer concurrency;

    @Option(names = "--rate", paramLabel = "PER_S", defaultValue = "200", description = "Events per second in the latency scenario.")
    int rate;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "20", description = "Measured seconds of the latency scenario.")
    double seconds;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "5",
            description = "Seconds at the same rate before the latency scenario's measured phase (worker JVM "
                    + "start, JIT); not measured.")
    double warmupSeconds;

    @Option(names = "--workers", paramLabel = "K", split = ",", defaultValue = "1,2,4",
            description = "Worker process counts of the workers scenario.")
    List<Integer> workerCounts;

    @Option(names = "--backlog", paramLabel = "N", split = ",", defaultValue = "20000,1000000",
            description = "Pending deliveries of the backlog scenario; the smallest is the baseline.")
    List<Integer> backlogs;

    @Option(names = "--backlog-measure", paramLabel = "N", defaultValue = "20000",
            description = "Deliveries measured per backlog run, from the first; then the worker is stopped.")
    int backlogMeasure;

    @Option(names = "--keys", paramLabel = "K", defaultValue = "1000",
            description = "Ordered scenario: distinct ordering keys the events take in turn.")
    int keys;

    @Option(names = "--single-key-events", paramLabel = "N", defaultValue = "1000",
            description = "Ordered-single-key scenario: events of the one key (one delivery at a time is slow).")
    int singleKeyEvents;

    @Option(names = "--plan-backlog", paramLabel = "N", split = ",", defaultValue = "20000,1000000",
            description = "Ordered-plan scenario: undelivered deliveries to the ordered endpoint; the smallest "
                    + "is the baseline.")
    List<Integer> planBacklogs;

    @Option(names = "--plan-keys", paramLabel = "K", defaultValue = "10000",
            description = "Ordered-plan scenario: ordering keys the backlog is spread over.")
    int planKeys;

    @Option(names = "--fail-percent", paramLabel = "P", defaultValue = "10",
            description = "Retry scenario: share of event ids whose first attempt the receiver answers 500.")
    int failPercent;

    @Option(names = "--retry-schedule", paramLabel = "DELAYS", defaultValue = "1s", description = "Retry scenario: the worker's --retry-schedule.")
    String retrySchedule;

    @Option(names = "--floor-threads", paramLabel = "T", defaultValue = "" + HttpFloor.DEFAULT_THREADS,
            description = "Threads of the HTTP floor, each blocking on HttpClient.send.")
    int floorThreads;

    @Option(names = "--receiver", paramLabel = "KIND", defaultValue = "socket",
            description = "Receiver server: socket (blocking, thread per connection) or jdk (com.sun.net.httpserver).")
    String receiverServer;

    @Option(names = "--receiver-threads", paramLabel = "T", defaultValue = "32", description = "Handler threads of the jdk receiver.")
    int receiverThreads;

    @Option(names = "--database-url", paramLabel = "JDBC_URL", defaultValue = "${env:OUTBOX_BENCH_DATABASE_URL}",
            description = "PostgreSQL server (any database on it; the bench creates " + BenchDatabase.DEFAULT_NAME
                    + "); default " + LOCAL_SERVER)
    String databaseUrl;

    @Option(names = "--worker-arg", paramLabel = "ARG",
            description = "An extra worker option, repeatable: --worker-arg=--batch-size=200")
    List<String> workerArgs = new ArrayList<>();

    @Option(names = "--worker-jvm-arg", paramLabel = "OPT",
            description = "An extra JVM option for every worker process (not the HTTP floor), after OUTBOX_JAVA_OPTS; "
                    + "repeatable; {worker} becomes the worker's id, so each gets a file of its own: "
                    + "--worker-jvm-arg=-XX:StartFlightRecording=filename=/tmp/{worker}.jfr,settings=profile")
    List<String> workerJvmArgs = new ArrayList<>();

    @Option(names = "--keep-database", description = "Leave the last run's " + BenchDatabase.DEFAULT_NAME + " for inspection.")
    boolean keepDatabase;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go; default target/bench beside the jar.")
    Path out;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Bench());
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("bench: " + e.getMessage());
            e.getCommandLine().getErr().println("Try 'bin/bench --help'.");
            return 2;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Scenarios.Scenario> selected = Scenarios.select(scenarios);
        boolean defaultSet = scenarios.size() == 1 && scenarios.get(0).equals("default");
        events = eventsOption != null ? eventsOption : defaultSet ? DEFAULT_SET_EVENTS : DEFAULT_EVENTS;
        if (selected == null || runs < 1 || events < 2 || rate < 1 || seconds <= 0 || backlogMeasure < 2
                || failPercent < 0 || failPercent > 100 || floorThreads < 1 || workerCounts.stream().anyMatch(k -> k < 1)
                || backlogs.stream().anyMatch(b -> b < 2) || keys < 1 || singleKeyEvents < 2 || planKeys < 1
                || planBacklogs.stream().anyMatch(b -> b < planKeys) || !List.of("socket", "jdk").contains(receiverServer)) {
            System.err.println("bench: invalid options: scenarios are " + Scenarios.names() + ", 'default' or 'all'; "
                    + "--runs >= 1, --events >= 2, --rate >= 1, --seconds > 0, --fail-percent 0..100, "
                    + "--receiver socket|jdk");
            return 2;
        }
        PrintStream progress = System.err;
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        // Workers run the product jar itself (java -jar), the one the bench found the product's classes in.
        Path productJar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path outDir = out != null ? out : productJar.getParent().resolve("bench");
        Path logDir = outDir.resolve("logs").resolve(stamp);
        Files.createDirectories(logDir);
        serverUrl = databaseUrl == null || databaseUrl.isBlank() ? LOCAL_SERVER : databaseUrl;
        BenchEnv env = new BenchEnv(Path.of(System.getProperty("java.home"), "bin", "java").toString(), productJar,
                System.getProperty("java.class.path"), outDir, logDir, serverUrl, isLocal(serverUrl), javaOpts(),
                workerJvmArgs, concurrency, workerArgs);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("date", started.toString());
        result.put("command", System.getenv().getOrDefault("BENCH_COMMAND",
                "bench " + String.join(" ", ProcessHandle.current().info().arguments().map(Arrays::asList)
                        .orElse(List.of()))));
        result.put("git", System.getenv().getOrDefault("BENCH_GIT", "unknown"));
        result.put("machine", machine());
        result.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        try {
            result.put("postgresql", BenchDatabase.serverVersion(serverUrl));
        } catch (java.sql.SQLException e) {
            System.err.println("bench: cannot reach PostgreSQL at " + serverUrl.replaceAll("password=[^&]*", "password=...")
                    + ": " + e.getMessage() + "; start it, or pass --database-url");
            return 1;
        }
        Map<String, String> pgSettings = BenchDatabase.serverSettings(serverUrl);
        result.put("postgresql_settings", pgSettings);
        result.put("options", options(names(selected)));
        result.put("environment", outboxEnvironment());
        progress.printf("bench: %s; %d cores, load %s; Java %s; PostgreSQL %s%n", names(selected),
                Runtime.getRuntime().availableProcessors(), Proc.loadAverage(), System.getProperty("java.version"),
                result.get("postgresql"));
        progress.printf("bench: worker logs in %s%n", logDir);
        if ("off".equals(pgSettings.get("autovacuum"))) {
            progress.println("bench: note: autovacuum is off on this server: nothing vacuums or analyzes the "
                    + "bench's tables while a scenario runs (recorded in the results)");
        }

        List<ScenarioResult> results = new ArrayList<>();
        String secret = WebhookSecret.generate().revealText();
        int claimLimit = concurrency != null ? concurrency : WorkerConfig.DEFAULT_CONCURRENCY;
        ScenarioRuns.Settings settings = new ScenarioRuns.Settings(events, rate, seconds, warmupSeconds,
                backlogMeasure, failPercent, retrySchedule, floorThreads, claimLimit, workerCounts, backlogs, keys,
                singleKeyEvents, planBacklogs, planKeys, receiverThreads);
        try (ReceiverProcess receiver = ReceiverProcess.start(env, receiverServer, receiverThreads)) {
            ScenarioRuns s = new ScenarioRuns(env, settings, receiver, secret, progress);
            Map<String, List<Scenarios.Row>> rounds = new LinkedHashMap<>();
            for (Scenarios.Scenario scenario : selected) {
                rounds.computeIfAbsent(scenario.round(), k -> new ArrayList<>()).addAll(scenario.rows().apply(s));
            }
            rounds.forEach((round, rows) -> results.addAll(measure(round, rows, progress)));
            for (ScenarioResult latency : results) {
                if (Report.kind(latency.name).startsWith("latency")) {
                    result.put(latency.name.replace('-', '_') + "_plot", plot(latency, outDir, stamp, started));
                }
            }
        } finally {
            if (!keepDatabase) {
                try {
                    BenchDatabase.drop(serverUrl);
                } catch (Exception e) {
                    progress.println("bench: could not drop " + BenchDatabase.NAME + ": " + e.getMessage());
                }
            }
        }

        Map<String, ScenarioResult> byName = new LinkedHashMap<>();
        results.forEach(r -> byName.put(r.name, r));
        List<Report.Check> checks = Report.checks(byName);
        Map<String, Object> scenarioJson = new LinkedHashMap<>();
        results.forEach(r -> scenarioJson.put(r.name, r.toJson()));
        result.put("scenarios", scenarioJson);
        result.put("checks", checks);
        result.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());

        PrintStream stdout = System.out;
        stdout.println();
        Map<?, ?> machine = (Map<?, ?>) result.get("machine");
        stdout.printf("webhook-outbox bench, %s; %s; load average at start %s; Java %s; PostgreSQL %s%n", started,
                machine.get("summary"), machine.get("load_average_at_start"), System.getProperty("java.version"),
                result.get("postgresql"));
        stdout.printf("command: %s   (git %s; medians of %d run(s); %,d events per drain, retry, workers and "
                + "floor run)%n", result.get("command"), result.get("git"), runs, events);
        Map<String, Object> machineDuring = machineDuringRuns();
        result.put("machine_during_runs", machineDuring);
        stdout.printf("machine during the runs (medians of a probe before each run): %s of a core for a busy thread; "
                + "single-row INSERT + COMMIT p50 %s ms, p99 %s ms%n", machineDuring.get("cpu_share_of_a_core"),
                machineDuring.get("commit_ms_p50"), machineDuring.get("commit_ms_p99"));
        stdout.printf("postgresql: %s%n%n", pgSettings.entrySet().stream()
                .filter(e -> List.of("autovacuum", "jit", "shared_buffers", "synchronous_commit", "fsync")
                        .contains(e.getKey()))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(", ")));
        Report.printTable(stdout, results, runs);
        stdout.println();
        Report.printChecks(stdout, checks);
        for (ScenarioResult r : results) {
            RunResult last = r.runs.isEmpty() ? null : r.runs.get(r.runs.size() - 1);
            if (last != null && last.details.get("postgres_backend_activity") instanceof Map<?, ?> activity
                    && !activity.isEmpty() && !Report.kind(r.name).equals("workers")) {
                stdout.printf("%n%s, last run: what the worker's database sessions were doing (share of samples of "
                        + "pg_stat_activity every 100 ms)%n", r.name);
                activity.forEach((k, v) -> stdout.printf("  %5.1f%%  %s%n", ((Number) v).doubleValue() * 100, k));
            }
        }
        for (ScenarioResult r : results) {
            if (Report.kind(r.name).equals("ordered-plan") && !r.runs.isEmpty()
                    && r.runs.get(r.runs.size() - 1).details.get("claim_plan_warm") != null) {
                RunResult last = r.runs.get(r.runs.size() - 1);
                stdout.printf("%nclaim plan at %s (DeliveryRepository.CLAIM_SQL, LIMIT %d; EXPLAIN (ANALYZE, "
                        + "BUFFERS), warm, rolled back):%n%s", r.name, claimLimit, last.details.get("claim_plan_warm"));
                stdout.printf("promotion plan at %s (OrderedKeys.promoteHeads after %d successes, by auto_explain; warm, rolled "
                        + "back):%n%s", r.name, claimLimit, last.details.get("promote_plan_warm"));
            }
        }
        for (ScenarioResult r : results) {
            if (Report.kind(r.name).equals("backlog") && !r.runs.isEmpty()
                    && r.runs.get(r.runs.size() - 1).details.get("claim_plan_warm") != null) {
                RunResult last = r.runs.get(r.runs.size() - 1);
                stdout.printf("%nclaim plan at %s, before the worker started (EXPLAIN (ANALYZE, BUFFERS), rolled back):%n%s",
                        r.name, last.details.get("claim_plan_warm"));
                stdout.printf("claim plan at %s, after %s deliveries:%n%s", r.name,
                        Report.format(last.metrics.get("measured_deliveries")), last.details.get("claim_plan_after"));
            }
        }

        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path json = outDir.resolve("results-" + stamp + ".json");
        mapper.writeValue(json.toFile(), result);
        Files.copy(json, outDir.resolve("latest.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        StringBuilder plots = new StringBuilder();
        for (String plot : List.of("latency_plot", "latency_notify_plot")) {
            if (result.containsKey(plot)) {
                plots.append("; ").append(plot.replace('_', ' ')).append(": ").append(result.get(plot));
            }
        }
        stdout.printf("%nresults: %s (and latest.json)%s%n", json, plots);

        boolean failed = results.stream().anyMatch(ScenarioResult::failed) || checks.stream()
                .anyMatch(c -> (c.what().startsWith("duplicates") || c.what().startsWith("lost")) && !c.measured().equals("0"));
        return failed ? 1 : 0;
    }

    /** The rows of one round, run by run in turn: run 1 of each row, then run 2 of each, and so on. */
    private List<ScenarioResult> measure(String round, List<Scenarios.Row> rows, PrintStream progress) {
        List<ScenarioResult> measured = rows.stream().map(r -> new ScenarioResult(r.name(), r.description())).toList();
        for (int run = 1; run <= runs; run++) {
            progress.printf("%s run %d of %d%n", round, run, runs);
            for (int i = 0; i < rows.size(); i++) {
                int n = run;
                Scenarios.Row row = rows.get(i);
                measured.get(i).runs.add(stamped(() -> row.run().apply(n)));
            }
        }
        return measured;
    }

    /** The latency distribution of every run of {@code latency} pooled, as an SVG beside the results. */
    private String plot(ScenarioResult latency, Path outDir, String stamp, Instant started) throws java.io.IOException {
        Path svg = outDir.resolve(latency.name + "-" + stamp + ".svg");
        Files.writeString(svg, LatencyPlot.svg(pooled(latency), "Latency at " + rate + " events/s"
                + (latency.name.equals("latency-notify") ? " with NOTIFY" : "") + ", " + runs + " run(s) of "
                + Report.format(seconds) + " s pooled, " + started));
        Files.copy(svg, outDir.resolve(latency.name + "-latest.svg"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return svg.toString();
    }

    /**
     * Runs one scenario run, noting the machine it had (load average, the share of a core a busy
     * thread gets, the server's commit latency; see {@link EnvironmentProbe}) and how long it took.
     */
    private RunResult stamped(java.util.function.Supplier<RunResult> run) {
        String load = Proc.loadAverage();
        EnvironmentProbe.Result probe = EnvironmentProbe.measure(serverUrl);
        probes.add(probe);
        long t0 = System.nanoTime();
        RunResult r = run.get().loadAtStart(load);
        r.details.put("cpu_share_of_a_core_at_start", Stats.round(probe.cpuShare(), 3));
        r.details.put("commit_ms_p50_at_start", Stats.round(probe.commitMsP50(), 3));
        r.details.put("commit_ms_p99_at_start", Stats.round(probe.commitMsP99(), 3));
        r.details.put("run_seconds", Stats.round((System.nanoTime() - t0) / 1e9, 1));
        return r;
    }

    private final List<EnvironmentProbe.Result> probes = new ArrayList<>();
    private String serverUrl;

    /** Medians of the probes taken before each run: how busy the machine was while measuring. */
    private Map<String, Object> machineDuringRuns() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_share_of_a_core", Report.format(Stats.median(probes.stream().map(p -> p.cpuShare()).toList())));
        m.put("commit_ms_p50", Report.format(Stats.median(probes.stream().map(p -> p.commitMsP50()).toList())));
        m.put("commit_ms_p99", Report.format(Stats.median(probes.stream().map(p -> p.commitMsP99()).toList())));
        m.put("probes", probes.size());
        return m;
    }

    private static double[] pooled(ScenarioResult latency) {
        List<Double> all = new ArrayList<>();
        for (RunResult r : latency.runs) {
            if (r.latenciesMs != null) {
                for (double v : r.latenciesMs) {
                    all.add(v);
                }
            }
        }
        return Stats.sorted(all);
    }

    private static List<String> names(List<Scenarios.Scenario> selected) {
        return selected.stream().map(Scenarios.Scenario::name).toList();
    }

    private Map<String, Object> options(List<String> selected) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("scenarios", selected);
        o.put("events", events);
        o.put("runs", runs);
        o.put("concurrency", concurrency == null ? "worker default (" + WorkerConfig.DEFAULT_CONCURRENCY + ")" : concurrency);
        o.put("rate", rate);
        o.put("seconds", seconds);
        o.put("warmup_seconds", warmupSeconds);
        o.put("workers", workerCounts);
        o.put("backlog", backlogs);
        o.put("backlog_measure", backlogMeasure);
        o.put("keys", keys);
        o.put("single_key_events", singleKeyEvents);
        o.put("plan_backlog", planBacklogs);
        o.put("plan_keys", planKeys);
        o.put("fail_percent", failPercent);
        o.put("retry_schedule", retrySchedule);
        o.put("floor_threads", floorThreads);
        o.put("receiver", receiverServer);
        o.put("worker_args", workerArgs);
        o.put("worker_jvm_args", workerJvmArgs);
        o.put("payload_bytes", Payloads.TARGET_BYTES);
        return o;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        int cores = Runtime.getRuntime().availableProcessors();
        long memKb = Proc.memTotalKb();
        String load = Proc.loadAverage();
        m.put("nproc", cores);
        m.put("memory_total_mb", memKb / 1024);
        m.put("load_average_at_start", load);
        m.put("cpu", Proc.cpuModel());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("summary", cores + " cores, " + Report.format(memKb / 1024.0 / 1024.0) + " GiB");
        return m;
    }

    /**
     * OUTBOX_* and OTEL_* variables the workers inherit (they change worker defaults; OTEL_* turn
     * tracing on), passwords and exporter headers left out.
     */
    private static Map<String, String> outboxEnvironment() {
        Map<String, String> m = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if ((k.startsWith("OUTBOX_") || k.startsWith("OTEL_")) && !k.contains("PASSWORD")
                    && !k.contains("DATABASE_URL") && !k.contains("HEADERS")) {
                m.put(k, v);
            }
        });
        return m;
    }

    private static List<String> javaOpts() {
        String opts = System.getenv("OUTBOX_JAVA_OPTS");
        return opts == null || opts.isBlank() ? List.of() : Arrays.asList(opts.trim().split("\\s+"));
    }

    private static boolean isLocal(String jdbcUrl) {
        try {
            String host = URI.create(jdbcUrl.substring("jdbc:".length())).getHost();
            return host != null && (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1"));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
