package com.d3.webhooks.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the database writes and keeps per delivery over one measured stretch (a drain): WAL bytes
 * from a checkpoint taken at the start (so the full-page images of pages the drain touches are
 * counted, as they are after every checkpoint in production), row versions written (inserts and
 * updates, HOT among them, and deletes) in the outbox's tables, and the bytes those tables hold
 * at the end. These do not depend on the machine's load. With pg_stat_statements loaded
 * ({@code shared_preload_libraries}), also the statements that took the most time and WAL.
 *
 * <p>WAL is the server's, not the database's: on a server that others use at the same time it
 * counts their writes too. Measure on a server of its own ({@code --database-url}).
 */
final class CostPerDelivery {

    /** The outbox's tables, partitions included (their names share the prefix). */
    private static final String TABLES = "relname LIKE 'webhook\\_%'";
    /**
     * An idle backend reports its table counters within PostgreSQL's idle interval (10 s): the
     * enqueuing connections' must be in before the start, or they land in the run's figures. A
     * backend that exits (the workers') reports them at once; a little margin covers the rest.
     */
    private static final long IDLE_STATS_FLUSH_MS = 11_000;
    private static final long EXITED_STATS_FLUSH_MS = 1_200;
    private static final int TOP_STATEMENTS = 8;
    /** The detail that holds the top statements, one line each. */
    static final String STATEMENTS = "statements_by_time";

    /** The figures as the bench's table heads them. */
    static final Map<String, String> HEADLINES = new LinkedHashMap<>();

    static {
        HEADLINES.put("postgres_cpu_ms_per_delivery", "PostgreSQL CPU ms/delivery (approx.)");
        HEADLINES.put("wal_bytes_per_delivery", "WAL bytes/delivery, from a checkpoint");
        HEADLINES.put("row_versions_per_delivery", "row versions written/delivery (HOT included)");
        HEADLINES.put("hot_updates_per_delivery", "HOT updates/delivery");
        HEADLINES.put("row_deletes_per_delivery", "rows deleted/delivery");
        HEADLINES.put("stored_bytes_per_delivery", "stored bytes/delivery, all outbox tables");
    }

    private final String url;
    private final boolean statements;
    private final String startLsn;
    private final Map<String, Long> startRows;

    private CostPerDelivery(String url, boolean statements, String startLsn, Map<String, Long> startRows) {
        this.url = url;
        this.statements = statements;
        this.startLsn = startLsn;
        this.startRows = startRows;
    }

    /** Checkpoints, resets the statement statistics when it can, and notes where WAL and counters stand. */
    static CostPerDelivery start(String databaseUrl) throws SQLException, InterruptedException {
        Thread.sleep(IDLE_STATS_FLUSH_MS);
        String url = BenchDatabase.withParameter(databaseUrl, "ApplicationName", BenchDatabase.APPLICATION_NAME);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
            // After the bench's own checkpoint, which would otherwise head the list.
            boolean statements = statementsAvailable(s);
            if (statements) {
                s.execute("SELECT pg_stat_statements_reset()");
            }
            return new CostPerDelivery(url, statements, lsn(s), rowCounters(s));
        }
    }

    /** The figures per delivery since {@link #start}, into {@code r}; call once the workers exited. */
    void finish(RunResult r, long deliveries) throws SQLException, InterruptedException {
        Thread.sleep(EXITED_STATS_FLUSH_MS);
        double n = Math.max(1, deliveries);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            long wal = single(s, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + startLsn + "')::bigint");
            Map<String, Long> rows = rowCounters(s);
            rows.replaceAll((k, v) -> v - startRows.getOrDefault(k, 0L));
            long stored = single(s, "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c "
                    + "JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE c.relkind = 'r' AND ns.nspname = "
                    + "current_schema() AND c." + TABLES);
            r.put("wal_bytes_per_delivery", wal / n)
                    .put("row_versions_per_delivery", (rows.get("ins") + rows.get("upd")) / n)
                    .put("hot_updates_per_delivery", rows.get("hot") / n)
                    .put("row_deletes_per_delivery", rows.get("del") / n)
                    .put("stored_bytes_per_delivery", stored / n);
            r.detail("row_versions_by_table", rowsByTable(s));
            r.detail("stored_bytes_per_delivery_by_relation", bytesByRelation(s, n));
            if (statements) {
                r.detail(STATEMENTS, topStatements(s, n));
            }
        }
    }

    private static boolean statementsAvailable(Statement s) throws SQLException {
        if (single(s, "SELECT count(*) FROM pg_settings WHERE name = 'shared_preload_libraries' "
                + "AND setting ~ 'pg_stat_statements'") == 0) {
            return false;
        }
        s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        return true;
    }

    private static String lsn(Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            r.next();
            return r.getString(1);
        }
    }

    private static Map<String, Long> rowCounters(Statement s) throws SQLException {
        s.execute("SELECT pg_stat_clear_snapshot()");
        Map<String, Long> m = new LinkedHashMap<>();
        try (ResultSet r = s.executeQuery("SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0), "
                + "coalesce(sum(n_tup_hot_upd), 0), coalesce(sum(n_tup_del), 0) FROM pg_stat_user_tables WHERE "
                + TABLES)) {
            r.next();
            m.put("ins", r.getLong(1));
            m.put("upd", r.getLong(2));
            m.put("hot", r.getLong(3));
            m.put("del", r.getLong(4));
        }
        return m;
    }

    /** Inserts / updates (HOT) / deletes per table since the database was made: for reading, not per delivery. */
    private static Map<String, String> rowsByTable(Statement s) throws SQLException {
        Map<String, String> m = new LinkedHashMap<>();
        try (ResultSet r = s.executeQuery("SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del "
                + "FROM pg_stat_user_tables WHERE " + TABLES + " AND n_tup_ins + n_tup_upd + n_tup_del > 0 "
                + "ORDER BY relname")) {
            while (r.next()) {
                m.put(r.getString(1), r.getLong(2) + " ins / " + r.getLong(3) + " upd (" + r.getLong(4) + " HOT) / "
                        + r.getLong(5) + " del");
            }
        }
        return m;
    }

    /**
     * The stored bytes split by relation: each table (heap, TOAST, free space and visibility maps)
     * and each of its indexes, largest first; they add up to stored_bytes_per_delivery.
     */
    private static Map<String, String> bytesByRelation(Statement s, double n) throws SQLException {
        String tables = "FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE c.relkind = 'r' "
                + "AND ns.nspname = current_schema() AND c." + TABLES;
        Map<String, String> m = new LinkedHashMap<>();
        try (ResultSet r = s.executeQuery("SELECT name, bytes FROM (SELECT c.relname AS name, pg_table_size(c.oid) "
                + "AS bytes " + tables + " UNION ALL SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x "
                + "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid IN (SELECT c.oid " + tables + ")) b "
                + "WHERE bytes > 0 ORDER BY bytes DESC, name")) {
            while (r.next()) {
                m.put(r.getString(1), String.format("%.1f", r.getLong(2) / n));
            }
        }
        return m;
    }

    private static List<String> topStatements(Statement s, double n) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet r = s.executeQuery("SELECT total_exec_time + total_plan_time, calls, wal_bytes, "
                + "shared_blks_hit + shared_blks_read, regexp_replace(left(query, 100), '\\s+', ' ', 'g') "
                + "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                + "ORDER BY 1 DESC LIMIT " + TOP_STATEMENTS)) {
            while (r.next()) {
                out.add(String.format("%.4f ms/delivery, %.0f WAL B/delivery, %d calls, %.1f buffers/call: %s",
                        r.getDouble(1) / n, r.getDouble(3) / n, r.getLong(2),
                        r.getLong(2) == 0 ? 0 : r.getLong(4) / (double) r.getLong(2), r.getString(5)));
            }
        }
        return out;
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
