package com.d3.webhooks.bench;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import com.d3.webhooks.operations.Prune;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/bench-prune}: the audit log's retention, measured both ways on the same rows in one
 * run. Each run loads N old audit rows (spread over the 10 days before the cutoff, which is 03:00
 * UTC thirty days ago, as a 03:00 cron prune would use) and a tenth as many recent ones, then:
 * <ul>
 *   <li><b>delete</b>: the schema before V10 (one table) and prune as it was: batched DELETEs of
 *       the oldest rows through the sent_at index; then the VACUUM that makes the space reusable;</li>
 *   <li><b>migrate</b>: the V10 migration over the same rows (rename, partition, copy);</li>
 *   <li><b>drop</b>: {@link Prune} on the migrated, partitioned table: whole days dropped, the 3
 *       hours of the straddling day deleted in batches.</li>
 * </ul>
 * Reported per mode: seconds, table + index + TOAST bytes before and after, WAL written. It works
 * only in its own database, outbox_bench_prune, dropped at the end.
 */
@Command(name = "bench-prune", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Audit retention: batched DELETE on the unpartitioned table vs dropping daily partitions "
                + "(and the V10 migration's time per million rows). See docs/performance.md.")
public final class PruneBench implements Callable<Integer> {

    private static final String DATABASE = "outbox_bench_prune";

    @Option(names = "--database-url", defaultValue = "${env:OUTBOX_BENCH_DATABASE_URL:-jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}",
            description = "JDBC URL of the PostgreSQL server (any database; the bench works in " + DATABASE + ").")
    String serverUrl;

    @Option(names = "--rows", defaultValue = "1000000", description = "Old audit rows to prune per run.")
    int rows;

    @Option(names = "--payload-bytes", defaultValue = "1000", description = "Request body bytes per audit row "
            + "(the worker copies the ~1 KB body into each row).")
    int payloadBytes;

    @Option(names = "--runs", defaultValue = "3", description = "Runs; the table shows medians.")
    int runs;

    @Option(names = "--batch-size", defaultValue = "" + Prune.DEFAULT_BATCH_SIZE, description = "Rows per DELETE.")
    int batchSize;

    private final Instant cutoff = Instant.now().minus(Duration.ofDays(30)).truncatedTo(ChronoUnit.DAYS)
            .plus(Duration.ofHours(3));

    public static void main(String[] args) {
        System.exit(new CommandLine(new PruneBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        System.out.printf(Locale.ROOT, "bench-prune: %,d old + %,d recent audit rows of %d payload bytes, cutoff %s, "
                + "batch %d, %d run(s); load %s%n", rows, rows / 10, payloadBytes, cutoff, batchSize, runs, load());
        Map<String, List<Map<String, Double>>> all = new LinkedHashMap<>();
        for (int run = 1; run <= runs; run++) {
            all.computeIfAbsent("delete", k -> new ArrayList<>()).add(deleteRun());
            Map<String, Map<String, Double>> partitioned = migrateAndDropRun();
            partitioned.forEach((mode, figures) -> all.computeIfAbsent(mode, k -> new ArrayList<>()).add(figures));
            System.out.printf("run %d done: %s%n", run, summary(all, run - 1));
        }
        dropDatabase();
        print(all);
        return 0;
    }

    /** The schema before V10, loaded, then pruned as prune did before: batched DELETE, then VACUUM. */
    private Map<String, Double> deleteRun() throws Exception {
        String url = freshDatabase();
        migrateBeforeV10(url);
        try (Database db = open(url); Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            load(s);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("bytes_before", (double) bytes(s));
            long wal = walLsn(s);
            long t0 = System.nanoTime();
            long deleted = 0;
            int n;
            // The statement of Prune.deleteAuditBatch before V10.
            String batch = "DELETE FROM webhook_audit_logs WHERE id = ANY(ARRAY(SELECT id FROM webhook_audit_logs "
                    + "WHERE sent_at < '" + cutoff + "'::timestamptz ORDER BY sent_at LIMIT " + batchSize + "))";
            while ((n = s.executeUpdate(batch)) > 0) {
                deleted += n;
            }
            m.put("seconds", seconds(t0));
            m.put("rows", (double) deleted);
            m.put("wal_bytes", (double) (walLsn(s) - wal));
            m.put("bytes_after", (double) bytes(s));
            long v0 = System.nanoTime();
            s.execute("VACUUM webhook_audit_logs");
            m.put("vacuum_seconds", seconds(v0));
            m.put("bytes_after_vacuum", (double) bytes(s));
            return m;
        }
    }

    /** The same rows, then V10 over them (timed), then prune on the partitioned table. */
    private Map<String, Map<String, Double>> migrateAndDropRun() throws Exception {
        String url = freshDatabase();
        migrateBeforeV10(url);
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        try (Database db = open(url); Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            long total = load(s);
            Map<String, Double> mig = new LinkedHashMap<>();
            long t0 = System.nanoTime();
            db.migrate();
            double sec = seconds(t0);
            mig.put("seconds", sec);
            mig.put("rows", (double) total);
            mig.put("seconds_per_million_rows", sec / total * 1_000_000);
            mig.put("bytes_after", (double) bytes(s));
            out.put("migrate", mig);
            // As after load(): in production, partitions a month old have long been vacuumed.
            s.execute("VACUUM ANALYZE webhook_audit_attempts");
            s.execute("CHECKPOINT");

            Map<String, Double> m = new LinkedHashMap<>();
            m.put("bytes_before", (double) bytes(s));
            long wal = walLsn(s);
            long p0 = System.nanoTime();
            Prune.Counts counts = new Prune(db.dsl()).run(cutoff, batchSize, Duration.ZERO, (t, x) -> { });
            m.put("seconds", seconds(p0));
            m.put("rows", (double) counts.auditRows());
            m.put("partitions_dropped", (double) counts.auditPartitions());
            m.put("wal_bytes", (double) (walLsn(s) - wal));
            m.put("bytes_after", (double) bytes(s));
            long v0 = System.nanoTime();
            s.execute("VACUUM webhook_audit_attempts");
            m.put("vacuum_seconds", seconds(v0));
            m.put("bytes_after_vacuum", (double) bytes(s));
            out.put("drop", m);
        }
        return out;
    }

    /** Old rows evenly over the 10 days before the cutoff, a tenth as many over the 30 days after. */
    private long load(Statement s) throws SQLException {
        String insert = """
                INSERT INTO webhook_audit_logs (delivery_id, event_id, endpoint_id, account_id, event_type, target_url,
                       payload, attempt_number, status, response_status, response_body, duration_ms, worker_id, sent_at)
                SELECT g, gen_random_uuid(), 1, 'acct_bench', 'fileTask.completed', 'http://127.0.0.1:9/hook',
                       repeat('x', %d), 1, 'success', 200, 'ok', 12, 'bench', %s
                  FROM generate_series(1, %d) g""";
        Duration old = Duration.ofDays(10);
        s.executeUpdate(String.format(Locale.ROOT, insert, payloadBytes,
                "'" + cutoff.minus(old) + "'::timestamptz + (g * interval '" + old.toSeconds() + " seconds' / " + rows + ")",
                rows));
        int recent = rows / 10;
        s.executeUpdate(String.format(Locale.ROOT, insert, payloadBytes,
                "'" + cutoff + "'::timestamptz + (g * interval '30 days' / " + (recent + 1) + ")", recent));
        // Rows a month old have long been vacuumed (hint bits set, visibility map) in production.
        s.execute("VACUUM ANALYZE webhook_audit_logs");
        s.execute("CHECKPOINT");
        return rows + recent;
    }

    private static void migrateBeforeV10(String url) {
        MigrationVersion v10 = MigrationVersion.fromVersion("10");
        MigrationVersion before = Arrays.stream(flyway(url).load().info().all()).map(MigrationInfo::getVersion)
                .filter(v -> v.compareTo(v10) < 0).max(Comparator.naturalOrder()).orElseThrow();
        flyway(url).target(before).load().migrate();
    }

    private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(String url) {
        return Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration");
    }

    private String freshDatabase() throws SQLException {
        dropDatabase();
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
        }
        int q = serverUrl.indexOf('?');
        String base = q < 0 ? serverUrl : serverUrl.substring(0, q);
        int slash = base.indexOf('/', "jdbc:postgresql://".length());
        return (slash < 0 ? base : base.substring(0, slash)) + "/" + DATABASE + (q < 0 ? "" : serverUrl.substring(q));
    }

    private void dropDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
        }
    }

    private static Database open(String url) {
        return Database.open(DatabaseConfig.of(url, null, null).withPoolSize(4));
    }

    /**
     * Table + indexes + TOAST of the audit log, over all its partitions: the table named
     * webhook_audit_logs until V21, webhook_audit_attempts (beneath a view of the old name) after.
     */
    private static long bytes(Statement s) throws SQLException {
        return single(s, "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(t)), "
                + "pg_total_relation_size(t))::bigint FROM (SELECT coalesce(to_regclass('webhook_audit_attempts'), "
                + "'webhook_audit_logs'::regclass) AS t) x");
    }

    private static long walLsn(Statement s) throws SQLException {
        return single(s, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static String summary(Map<String, List<Map<String, Double>>> all, int run) {
        StringBuilder b = new StringBuilder();
        all.forEach((mode, list) -> b.append(mode).append(' ')
                .append(String.format(Locale.ROOT, "%.2f s; ", list.get(run).get("seconds"))));
        return b.toString().trim();
    }

    private static void print(Map<String, List<Map<String, Double>>> all) {
        System.out.println();
        System.out.println("| mode | figure | median | runs |");
        System.out.println("|---|---|---:|---|");
        all.forEach((mode, list) -> {
            for (String key : list.get(0).keySet()) {
                List<Double> v = list.stream().map(m -> m.get(key)).toList();
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", mode, key, fmt(key, median(v)),
                        String.join(" / ", v.stream().map(x -> fmt(key, x)).toList()));
            }
        });
        double del = median(all.get("delete").stream().map(m -> m.get("seconds")).toList());
        double drop = median(all.get("drop").stream().map(m -> m.get("seconds")).toList());
        System.out.printf(Locale.ROOT, "%nprune seconds, delete / drop: %.1fx%n", del / drop);
    }

    private static String fmt(String key, double x) {
        return key.contains("bytes") ? String.format(Locale.ROOT, "%,.1f MB", x / 1e6)
                : key.contains("seconds") ? String.format(Locale.ROOT, "%.2f", x)
                : String.format(Locale.ROOT, "%,.0f", x);
    }

    private static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
