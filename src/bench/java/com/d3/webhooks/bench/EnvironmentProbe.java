package com.d3.webhooks.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * How much machine a run had, measured just before it, so figures taken on a busy machine can be
 * recognised as such: the share of one core a busy thread gets over 300 ms (1.0 on an idle
 * machine), and the latency of a single-row INSERT + COMMIT on the server (WAL flush included).
 */
final class EnvironmentProbe {

    static final int COMMITS = 50;

    private EnvironmentProbe() {
    }

    record Result(double cpuShare, double commitMsP50, double commitMsP99) {
    }

    static Result measure(String serverUrl) {
        double share = cpuShare();
        double[] commits = Stats.sorted(commits(serverUrl));
        return new Result(share, Stats.percentile(commits, 50), Stats.percentile(commits, 99));
    }

    /** Thread CPU time over wall time of a 300 ms busy loop. */
    static double cpuShare() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long x = 0;
        while (System.nanoTime() - t0 < 300_000_000L) {
            x += x * 31 + 7;
        }
        long wall = System.nanoTime() - t0;
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        return x == 42 ? 0 : Math.min(1.0, cpu / (double) wall);
    }

    /** {@value #COMMITS} single-row INSERT + COMMIT round trips into a scratch table in the postgres database. */
    private static List<Double> commits(String serverUrl) {
        List<Double> ms = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(serverUrl)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS outbox_bench_commit_probe (at timestamptz NOT NULL)");
                s.execute("TRUNCATE outbox_bench_commit_probe");
            }
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO outbox_bench_commit_probe VALUES (now())")) {
                for (int i = 0; i < COMMITS; i++) {
                    long t0 = System.nanoTime();
                    p.executeUpdate();
                    c.commit();
                    ms.add((System.nanoTime() - t0) / 1e6);
                }
            }
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS outbox_bench_commit_probe");
            }
        } catch (SQLException e) {
            return List.of();
        }
        return ms;
    }
}
