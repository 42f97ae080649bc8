package com.d3.webhooks.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One or more processes under measurement, started together: real workers ({@code java -jar
 * webhook-outbox.jar worker ...}) or the HTTP floor. A sampler
 * that reads their /proc entries every {@value #SAMPLE_MS} ms: VmRSS, VmHWM and CPU ticks, plus
 * the CPU of the PostgreSQL backends serving the bench database other than the bench's own
 * (when the server is local), and the CPU of the JVMs' JIT compiler threads. Exact CPU comes from this JVM's reaped-children time, read around
 * the processes' lives ({@link Proc#reapedChildrenTicks()}).
 */
final class MeasuredProcesses implements AutoCloseable {

    static final long SAMPLE_MS = 100;

    /** A sample: wall clock (epoch µs) and the processes' CPU ticks so far. */
    record Sample(long epochMicros, long workerTicks) {
    }

    private final List<Process> processes;
    private final List<Path> logs;
    private final long startNanos;
    private final long startEpochMicros;
    private final long childTicksBefore;
    private final Thread sampler;
    private final List<Sample> samples = new ArrayList<>();
    private final Map<Long, Long> lastTicks = new HashMap<>();
    private final Map<Long, Long> peakRssKb = new HashMap<>();
    private final Map<Long, Long> lastHwmKb = new HashMap<>();
    private final Map<Integer, Long> postgresTicks = new HashMap<>();
    /** Threads of the processes by "pid/tid": whether each is a JIT compiler thread, asked once. */
    private final Map<String, Boolean> compilerThreads = new HashMap<>();
    private final Map<String, Long> compilerTicks = new HashMap<>();
    private final Map<String, Integer> postgresActivity = new HashMap<>();
    private int postgresActivitySamples;
    private volatile boolean sampling = true;
    private long exitNanos = -1;
    private long childTicksAfter = -1;

    private MeasuredProcesses(List<Process> processes, List<Path> logs, long startNanos, long startEpochMicros,
                            long childTicksBefore, BenchEnv env) {
        this.processes = processes;
        this.logs = logs;
        this.startNanos = startNanos;
        this.startEpochMicros = startEpochMicros;
        this.childTicksBefore = childTicksBefore;
        this.sampler = new Thread(() -> sample(env), "bench-sampler");
        this.sampler.setDaemon(true);
        this.sampler.start();
    }

    /**
     * Starts {@code count} workers at once on {@code databaseUrl}. {@code options} are the
     * scenario's (e.g. --exit-when-idle); the environment's concurrency and extra arguments follow.
     */
    static MeasuredProcesses workers(BenchEnv env, String databaseUrl, int count, List<String> options, String label)
            throws IOException {
        List<List<String>> commands = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            commands.add(workerCommand(env, databaseUrl, label + "-w" + i, options));
            logs.add(env.logDir().resolve(label + "-w" + i + ".log"));
        }
        return start(env, commands, logs);
    }

    /** Starts the HTTP floor ({@link HttpFloor}) with these arguments; its JSON line ends its log. */
    static MeasuredProcesses floor(BenchEnv env, List<String> args, String label) throws IOException {
        // The worker's JVM options too: the floor measures the HTTP client, not a different JVM.
        List<String> cmd = new ArrayList<>(List.of(env.java()));
        cmd.addAll(env.javaOpts());
        cmd.addAll(List.of("-cp", env.benchClassPath(), HttpFloor.class.getName()));
        cmd.addAll(args);
        return start(env, List.of(cmd), List.of(env.logDir().resolve(label + ".log")));
    }

    private static MeasuredProcesses start(BenchEnv env, List<List<String>> commands, List<Path> logs)
            throws IOException {
        int count = commands.size();
        long childTicks = Proc.reapedChildrenTicks();
        long t0 = System.nanoTime();
        Instant now = Instant.now();
        List<Process> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(new ProcessBuilder(commands.get(i)).redirectErrorStream(true)
                    .redirectOutput(logs.get(i).toFile()).start());
        }
        return new MeasuredProcesses(started, logs, t0, now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000,
                childTicks, env);
    }

    static List<String> workerCommand(BenchEnv env, String databaseUrl, String workerId, List<String> options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(env.java());
        cmd.addAll(env.javaOpts());
        env.workerJvmArgs().forEach(a -> cmd.add(a.replace("{worker}", workerId)));
        cmd.addAll(List.of("-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true", "-jar", env.productJar().toString(),
                "worker", "--database-url", databaseUrl, "--worker-id", workerId, "--allow-private-network"));
        cmd.addAll(options);
        if (env.concurrency() != null) {
            cmd.addAll(List.of("--concurrency", env.concurrency().toString()));
        }
        cmd.addAll(env.workerArgs());
        return cmd;
    }

    /** Waits for every worker to exit; false when the timeout passed first (they are then killed). */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Process p : processes) {
            long left = deadline - System.nanoTime();
            if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                processes.forEach(Process::destroyForcibly);
                for (Process q : processes) {
                    q.waitFor();
                }
                finish();
                return false;
            }
        }
        finish();
        return true;
    }

    /** SIGTERM to every worker: they stop claiming, finish what is in flight and exit 0. */
    void terminate() {
        processes.forEach(Process::destroy);
    }

    private void finish() throws InterruptedException {
        exitNanos = System.nanoTime();
        childTicksAfter = Proc.reapedChildrenTicks();
        sampling = false;
        sampler.join();
    }

    // ---------------------------------------------------------------- what was measured

    long startEpochMicros() {
        return startEpochMicros;
    }

    double wallSeconds() {
        return (exitNanos - startNanos) / 1e9;
    }

    /** The processes' CPU from start to exit, JVM start included: exact. */
    double cpuMs() {
        return (childTicksAfter - childTicksBefore) * Proc.MS_PER_TICK;
    }

    /** The highest resident set of any one process: VmRSS samples and the last VmHWM read. */
    double peakRssMb() {
        long kb = 0;
        for (Long v : peakRssKb.values()) {
            kb = Math.max(kb, v);
        }
        for (Long v : lastHwmKb.values()) {
            kb = Math.max(kb, v);
        }
        return kb / 1024.0;
    }

    /**
     * CPU of the processes' JIT compiler threads (HotSpot's "C1 CompilerThreadN", "C2
     * CompilerThreadN"), included in {@link #cpuMs}: the JVM's warm-up, which a long-running
     * process pays once. Approximate (100 ms samples; a compiler thread the JVM retires loses
     * its last 100 ms).
     */
    double jitCpuMs() {
        long t = 0;
        for (long v : compilerTicks.values()) {
            t += v;
        }
        return t * Proc.MS_PER_TICK;
    }

    /** CPU of the database backends that served the workers; approximate (100 ms samples). */
    double postgresCpuMs() {
        long t = 0;
        for (long v : postgresTicks.values()) {
            t += v;
        }
        return t * Proc.MS_PER_TICK;
    }

    List<Integer> exitCodes() {
        return processes.stream().map(p -> p.isAlive() ? -1 : p.exitValue()).toList();
    }

    synchronized List<Sample> samples() {
        return new ArrayList<>(samples);
    }

    /**
     * CPU ms per delivery between the first and last sample inside [fromMicros, toMicros], with
     * deliveries counted from the receiver's times in the same window: JVM start and exit excluded.
     * NaN when the window holds fewer than 5 samples.
     */
    double steadyCpuMsPerDelivery(long[] successTimes, long fromMicros, long toMicros) {
        List<Sample> in = samples().stream()
                .filter(s -> s.epochMicros() >= fromMicros && s.epochMicros() <= toMicros).toList();
        if (in.size() < 5) {
            return Double.NaN;
        }
        Sample a = in.get(0);
        Sample b = in.get(in.size() - 1);
        int delivered = Received.countBetween(successTimes, a.epochMicros() + 1, b.epochMicros());
        return delivered == 0 ? Double.NaN : (b.workerTicks() - a.workerTicks()) * Proc.MS_PER_TICK / (double) delivered;
    }

    /** Average CPU cores the workers used inside the window. */
    double coresBetween(long fromMicros, long toMicros) {
        List<Sample> in = samples().stream()
                .filter(s -> s.epochMicros() >= fromMicros && s.epochMicros() <= toMicros).toList();
        if (in.size() < 5) {
            return Double.NaN;
        }
        Sample a = in.get(0);
        Sample b = in.get(in.size() - 1);
        return (b.workerTicks() - a.workerTicks()) * Proc.MS_PER_TICK * 1000.0 / (b.epochMicros() - a.epochMicros());
    }

    String logTail(int lines) {
        StringBuilder b = new StringBuilder();
        for (Path log : logs) {
            try {
                List<String> all = Files.readAllLines(log);
                b.append("--- ").append(log).append('\n');
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> b.append(l).append('\n'));
            } catch (IOException e) {
                b.append("(cannot read ").append(log).append(")\n");
            }
        }
        return b.toString();
    }

    /**
     * Seconds from starting the first process to the worker's "worker ... started" log line (JVM
     * start, connection pool, configuration); NaN when the line is not there.
     */
    double readySeconds() {
        try {
            for (String line : Files.readAllLines(logs.get(0))) {
                if (line.contains(" started: ") && line.length() > 24) {
                    Instant at = Instant.parse(line.substring(0, 24));
                    return (at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000 - startEpochMicros) / 1e6;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** The last line of the first process's log that starts with '{' (the floor's result). */
    String lastJsonLine() throws IOException {
        List<String> lines = Files.readAllLines(logs.get(0));
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("{")) {
                return lines.get(i);
            }
        }
        throw new IOException("no result line in " + logs.get(0));
    }

    // ---------------------------------------------------------------- the sampler

    private void sample(BenchEnv env) {
        Connection pg = null;
        if (env.localServer()) {
            try {
                pg = DriverManager.getConnection(env.serverUrl());
            } catch (SQLException e) {
                pg = null;
            }
        }
        List<Integer> backends = List.of();
        try {
            while (sampling) {
                long ticks = 0;
                for (Process p : processes) {
                    long pid = p.pid();
                    long t = Proc.cpuTicks(pid);
                    if (t >= 0) {
                        lastTicks.put(pid, t);
                        long rss = Proc.statusKb(pid, "VmRSS");
                        long hwm = Proc.statusKb(pid, "VmHWM");
                        if (rss > 0) {
                            peakRssKb.merge(pid, rss, Math::max);
                        }
                        if (hwm > 0) {
                            lastHwmKb.put(pid, hwm);
                        }
                    }
                    ticks += lastTicks.getOrDefault(pid, 0L);
                    sampleCompilers(pid);
                }
                Instant now = Instant.now();
                synchronized (this) {
                    samples.add(new Sample(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000, ticks));
                }
                if (pg != null) {
                    backends = sampleBackends(pg);
                    for (int pid : backends) {
                        long t = Proc.cpuTicks(pid);
                        if (t >= 0) {
                            postgresTicks.put(pid, t);
                        }
                    }
                }
                try {
                    Thread.sleep(SAMPLE_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        } finally {
            if (pg != null) {
                try {
                    pg.close();
                } catch (SQLException ignored) {
                    // closing a monitoring connection
                }
            }
        }
    }

    private void sampleCompilers(long pid) {
        for (long tid : Proc.threadIds(pid)) {
            String key = pid + "/" + tid;
            Boolean compiler = compilerThreads.get(key);
            if (compiler == null) {
                String name = Proc.threadName(pid, tid);
                if (name == null) {
                    continue;
                }
                compiler = name.matches("C[12] CompilerThre.*");
                compilerThreads.put(key, compiler);
            }
            long t = compiler ? Proc.threadCpuTicks(pid, tid) : -1;
            if (t >= 0) {
                compilerTicks.put(key, t);
            }
        }
    }

    /**
     * The backends serving the workers (every database session on the bench database
     * but the bench's own), and what each is doing: the statement's kind when active (see
     * {@link #statementKind}), with its wait event when it waits; "idle" or "idle in transaction"
     * otherwise. Counted per sample: a poor man's profile of where database time goes.
     */
    private List<Integer> sampleBackends(Connection pg) {
        List<Integer> pids = new ArrayList<>();
        try (Statement s = pg.createStatement(); ResultSet r = s.executeQuery(
                "SELECT pid, state, wait_event_type, wait_event, left(query, 120) FROM pg_stat_activity "
                        + "WHERE datname = '" + BenchDatabase.NAME + "' AND backend_type = 'client backend' "
                        + "AND coalesce(application_name, '') <> '" + BenchDatabase.APPLICATION_NAME + "'")) {
            while (r.next()) {
                pids.add(r.getInt(1));
                String state = r.getString(2);
                String what = "active".equals(state)
                        ? statementKind(r.getString(5)) + (r.getString(3) == null ? "" : " (waiting: "
                        + r.getString(3) + " " + r.getString(4) + ")")
                        : String.valueOf(state);
                postgresActivity.merge(what, 1, Integer::sum);
                postgresActivitySamples++;
            }
        } catch (SQLException e) {
            return pids;
        }
        return pids;
    }

    /** SQL prefixes of the worker's statements (see DeliveryRepository, EventRouter), and a short name for each. */
    private static final Map<String, String> STATEMENT_KINDS = new java.util.LinkedHashMap<>();

    static {
        STATEMENT_KINDS.put("with due as", "claim (with due ... update webhook_deliveries)");
        STATEMENT_KINDS.put("select exists (select 1 from webhook_outbox", "route: anything unrouted?");
        STATEMENT_KINDS.put("with recursive queued", "route: take a batch (partitions, queued events)");
        STATEMENT_KINDS.put("with dequeued as", "route: dequeue, insert deliveries");
        STATEMENT_KINDS.put("update webhook_outbox", "route: mark outbox rows rejected or without endpoint");
        STATEMENT_KINDS.put("insert into webhook_audit_attempts", "record: insert audit rows");
        STATEMENT_KINDS.put("update webhook_deliveries d set state = v.state", "record: fenced settle of a batch");
        STATEMENT_KINDS.put("select webhook_promote_heads", "ordered: lock the keys, promote their heads");
        STATEMENT_KINDS.put("update webhook_deliveries d set state = 'pending', attempts",
                "release deliveries given back unsent");
        STATEMENT_KINDS.put("update webhook_deliveries", "update webhook_deliveries (other)");
        STATEMENT_KINDS.put("update webhook_endpoints", "record: endpoint health");
        STATEMENT_KINDS.put("select d.id, d.outbox_id", "rescue: lock expired leases");
    }

    /** A short name for a worker statement; its first words otherwise. */
    static String statementKind(String sql) {
        String q = sql == null ? "" : sql.replaceAll("\\s+", " ").replace("\"", "").toLowerCase();
        for (var kind : STATEMENT_KINDS.entrySet()) {
            if (q.startsWith(kind.getKey())) {
                return kind.getValue();
            }
        }
        String[] words = q.split(" ");
        return String.join(" ", java.util.Arrays.asList(words).subList(0, Math.min(4, words.length)));
    }

    /** Share of backend samples per activity, largest first; empty when the server is not local. */
    Map<String, Double> postgresActivity() {
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        postgresActivity.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> m.put(e.getKey(), Stats.round(e.getValue() / (double) postgresActivitySamples, 3)));
        return m;
    }

    @Override
    public void close() throws InterruptedException {
        if (exitNanos < 0) {
            processes.forEach(Process::destroyForcibly);
            for (Process p : processes) {
                p.waitFor();
            }
            finish();
        }
    }
}
