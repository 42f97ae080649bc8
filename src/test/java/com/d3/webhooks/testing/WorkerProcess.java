package com.d3.webhooks.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real worker ({@code outbox worker}) in a JVM of its own, started from the test's class
 * path against this JVM's scratch database, so a test can kill it the way an operating system
 * does: {@link #kill()} is SIGKILL, no shutdown hook, no finally block. Its stderr and stdout go
 * to {@code target/worker-logs/NAME.log}. {@link #cli} runs any other {@code outbox} command the
 * same way.
 */
public final class WorkerProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code outbox worker --database-url <scratch db> --worker-id NAME ARGS...}.
     *
     * @param jvmOptions e.g. {@code -Xmx32m} (the class path brings TestDns, which keeps tests off DNS)
     * @param env        extra environment variables
     */
    public static WorkerProcess start(String name, List<String> jvmOptions, Map<String, String> env,
                                      String... args) {
        List<String> outboxArgs = new ArrayList<>(List.of("worker", "--database-url",
                TestDatabase.get().jdbcUrl(), "--worker-id", name));
        outboxArgs.addAll(List.of(args));
        return launch(name, jvmOptions, env, outboxArgs);
    }

    /**
     * Any {@code outbox} command in a JVM of its own, run to its end: for what a command prints
     * and exits with, environment included (e.g. OUTBOX_SECRET_KEY).
     */
    public static Cli cli(String name, Map<String, String> env, String... args) {
        return startCli(name, env, args).finish();
    }

    /** {@link #cli} without waiting, to run several commands side by side; then {@link #finish()}. */
    public static WorkerProcess startCli(String name, Map<String, String> env, String... args) {
        return launch(name, List.of(), env, List.of(args));
    }

    /** Waits for the command to end; what it printed and its exit code. */
    public Cli finish() {
        int exit = awaitExit(120);
        return new Cli(exit, logText());
    }

    /** What a command printed (stdout and stderr, in order) and its exit code. */
    public record Cli(int exit, String output) {
    }

    private static WorkerProcess launch(String name, List<String> jvmOptions, Map<String, String> env,
                                        List<String> outboxArgs) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // C1 only and the serial collector: start-up on a 2-core machine drops from about 5.6 s to 3 s.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Dorg.jooq.no-logo=true");
        command.add("-Dorg.jooq.no-tips=true");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("com.d3.webhooks.cli.Main");
        command.addAll(outboxArgs);
        try {
            Path dir = Files.createDirectories(Path.of("target", "worker-logs"));
            Path log = dir.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_") + ".log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("OUTBOX_LOG_LEVEL", "INFO");
            pb.environment().remove("OUTBOX_SECRET_KEY");
            pb.environment().remove("OUTBOX_SECRET_KEYS_OLD");
            // Fault tests fail endpoints on purpose and drain with --exit-when-idle; as with
            // Fixtures.testConfig, the breaker stays off unless a test turns it on (env or option).
            pb.environment().put("OUTBOX_BREAKER_THRESHOLD", "0");
            pb.environment().putAll(env);
            return new WorkerProcess(pb.start(), log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start an outbox process: " + e.getMessage(), e);
        }
    }

    public static WorkerProcess start(String name, String... args) {
        return start(name, List.of(), Map.of(), args);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, then waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        waitQuietly(30);
    }

    /** Waits for the process to exit by itself; returns its exit code, or fails after the timeout. */
    public int awaitExit(long seconds) {
        if (!waitQuietly(seconds)) {
            process.destroyForcibly();
            throw new AssertionError("worker process did not exit within " + seconds + " s; log: " + log);
        }
        return process.exitValue();
    }

    public Path log() {
        return log;
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private boolean waitQuietly(long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** For messages: where a test's worker logs are. */
    public static File logDirectory() {
        return Path.of("target", "worker-logs").toFile();
    }
}
