package com.d3.webhooks.bench;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import com.d3.webhooks.delivery.ClaimedDelivery;
import com.d3.webhooks.delivery.DeliveryRepository;
import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.delivery.EventRouter;
import com.d3.webhooks.ordering.OrderedKeys;
import com.d3.webhooks.delivery.WorkerConfig;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The bench's own database ({@code outbox_bench} unless OUTBOX_BENCH_DATABASE says otherwise): dropped and created again for every scenario run,
 * migrated with the application's migrations, then filled through the public outbox contract.
 * The bench's connections carry application_name {@value #APPLICATION_NAME}, so the sampler can
 * tell them from the worker's.
 */
final class BenchDatabase implements AutoCloseable {

    static final String DEFAULT_NAME = "outbox_bench";
    /** OUTBOX_BENCH_DATABASE names another, so that two benches can run side by side on one server. */
    static final String NAME = databaseName(System.getenv("OUTBOX_BENCH_DATABASE"));
    static final String APPLICATION_NAME = "outbox-bench";
    /** Events per transaction when enqueuing a drain. */
    static final int ENQUEUE_BATCH = 500;
    /** The worker id of the claims the bench explains. */
    private static final String EXPLAIN_WORKER = "bench-explain";
    /** Connections inserting at a steady rate, in the latency scenario. */
    static final int STEADY_CONNECTIONS = 8;
    /** Connections enqueuing at once. */
    static final int ENQUEUE_THREADS = 4;

    private final String serverUrl;
    private final String url;
    private final Database database;

    private BenchDatabase(String serverUrl, String url, Database database) {
        this.serverUrl = serverUrl;
        this.url = url;
        this.database = database;
    }

    /** Drops {@link #NAME} (closing its connections), creates it empty and migrates it. */
    static BenchDatabase recreate(String serverUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + NAME + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + NAME);
        }
        String url = withDatabase(serverUrl, NAME);
        Database db = Database.open(DatabaseConfig.of(withParameter(url, "ApplicationName", APPLICATION_NAME),
                null, null).withPoolSize(STEADY_CONNECTIONS + 2));
        db.migrate();
        return new BenchDatabase(serverUrl, url, db);
    }

    private static String databaseName(String requested) {
        if (requested == null || requested.isBlank()) {
            return DEFAULT_NAME;
        }
        if (!requested.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("OUTBOX_BENCH_DATABASE must be a plain lower-case database name, got '"
                    + requested + "'");
        }
        return requested;
    }

    static void drop(String serverUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + NAME + " WITH (FORCE)");
        }
    }

    static String serverVersion(String serverUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SHOW server_version")) {
            r.next();
            return r.getString(1);
        }
    }

    /** The server settings that move these figures, with their units. */
    static Map<String, String> serverSettings(String serverUrl) throws SQLException {
        Map<String, String> m = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("""
                     SELECT name, setting || coalesce(' ' || unit, '') FROM pg_settings
                     WHERE name IN ('autovacuum', 'jit', 'shared_buffers', 'synchronous_commit', 'fsync',
                                    'wal_level', 'max_wal_size', 'work_mem', 'effective_cache_size',
                                    'random_page_cost', 'max_connections')
                     ORDER BY name""")) {
            while (r.next()) {
                m.put(r.getString(1), r.getString(2));
            }
        }
        return m;
    }

    /** The JDBC URL the worker processes get. */
    String url() {
        return url;
    }

    String serverUrl() {
        return serverUrl;
    }

    /** The ids of the deliveries to one endpoint. */
    java.util.Set<Long> deliveryIdsTo(long endpointId) {
        return new java.util.HashSet<>(database.dsl()
                .resultQuery("SELECT id FROM webhook_deliveries WHERE endpoint_id = ?", endpointId)
                .fetch(0, Long.class));
    }

    /** Registers the account's one endpoint; returns its id. */
    long addEndpoint(String endpointUrl, String secret) {
        return new EndpointRepository(database.dsl())
                .add(new NewEndpoint(Payloads.ACCOUNT, endpointUrl, secret, List.of(), "bench receiver"));
    }

    /** Registers the account's one endpoint, ordered or not; returns its id. */
    long addEndpoint(String endpointUrl, String secret, boolean ordered) {
        long id = addEndpoint(endpointUrl, secret);
        if (ordered) {
            new EndpointRepository(database.dsl()).setOrdered(id, true, Instant.now());
        }
        return id;
    }

    /**
     * Inserts {@code n} events with the application's INSERT ({@link Outbox#insert}), in
     * transactions of {@value #ENQUEUE_BATCH}, from {@value #ENQUEUE_THREADS} connections at once
     * (as several application threads would). Returns the seconds it took.
     */
    double enqueue(int n) throws InterruptedException {
        return enqueue(n, 0);
    }

    /**
     * As {@link #enqueue(int)}; with {@code keys > 0}, event i carries the ordering key
     * {@code "key-" + i % keys} (the outbox contract's ordering_key column), so the keys take
     * turns and every key has about n / keys events.
     */
    double enqueue(int n, int keys) throws InterruptedException {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(ENQUEUE_THREADS);
        try {
            List<Future<?>> batches = new ArrayList<>();
            for (int from = 0; from < n; from += ENQUEUE_BATCH) {
                int start = from;
                int end = Math.min(n, from + ENQUEUE_BATCH);
                batches.add(pool.submit(() -> database.dsl().transaction(cfg -> {
                    for (int i = start; i < end; i++) {
                        OutboxEvent event = OutboxEvent.of(Payloads.ACCOUNT, Payloads.EVENT_TYPE, Payloads.payload(i));
                        Outbox.insert(cfg.dsl(), keys > 0 ? event.withOrderingKey(orderingKey(i, keys)) : event);
                    }
                })));
            }
            for (Future<?> f : batches) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("enqueuing events failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Told about each event committed by {@link #enqueueSteadily}. */
    interface Committed {
        /**
         * @param eventId     the id the outbox INSERT returned
         * @param at          the instant commit() returned
         * @param insertNanos INSERT plus COMMIT, as the application waited for them
         */
        void accept(UUID eventId, Instant at, long insertNanos);
    }

    /**
     * Inserts events one per transaction at {@code ratePerSecond} for {@code seconds}, as an
     * application's request threads would: event i is due at start + i / rate and is inserted then
     * by whichever of {@value #STEADY_CONNECTIONS} connections is free (one connection cannot keep
     * 200/s when a commit waits several ms for the WAL flush). A late event goes at once; nothing
     * is bunched up ahead of time. Payloads are numbered from {@code firstIndex}. With {@code notify},
     * each transaction also wakes listening workers ({@link Outbox#wakeWorkers}). Returns the events
     * inserted.
     */
    long enqueueSteadily(int ratePerSecond, double seconds, long firstIndex, boolean notify, Committed committed)
            throws InterruptedException {
        long count = Math.round(ratePerSecond * seconds);
        long periodNanos = 1_000_000_000L / ratePerSecond;
        AtomicLong next = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < STEADY_CONNECTIONS; t++) {
            Thread thread = new Thread(() -> {
                try (Connection c = database.dataSource().getConnection()) {
                    c.setAutoCommit(false);
                    var dsl = DSL.using(c, org.jooq.SQLDialect.POSTGRES);
                    for (long i = next.getAndIncrement(); i < count && failure.get() == null; i = next.getAndIncrement()) {
                        long wait = t0 + i * periodNanos - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        long start = System.nanoTime();
                        UUID id = Outbox.insert(dsl, OutboxEvent.of(Payloads.ACCOUNT, Payloads.EVENT_TYPE,
                                Payloads.payload(firstIndex + i))).orElseThrow();
                        if (notify) {
                            Outbox.wakeWorkers(dsl);
                        }
                        c.commit();
                        Instant at = Instant.now();
                        committed.accept(id, at, System.nanoTime() - start);
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-inserter-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("inserting events failed: " + failure.get().getMessage(), failure.get());
        }
        return count;
    }

    /**
     * A backlog of {@code n} pending deliveries to the account's endpoints: the outbox rows
     * written in one statement (synchronous_commit off for this session only), then routed by the
     * worker's own router in batches of {@value #ROUTE_BATCH}; then VACUUM ANALYZE, as autovacuum
     * would soon (the routing queue's own thresholds are 5,000 deleted rows): without it, a server
     * with autovacuum off leaves the worker's look for queued events scanning the n dead queue
     * rows. Returns the seconds it took.
     */
    double preRoute(int n) throws SQLException {
        return preRoute(n, 0);
    }

    /**
     * As {@link #preRoute(int)}; with {@code keys > 0} event i carries the ordering key
     * {@code "key-" + i % keys}: to an ordered endpoint each key's first delivery is then pending
     * and the others wait behind it.
     */
    double preRoute(int n, int keys) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL synchronous_commit = off");
            }
            try (PreparedStatement p = c.prepareStatement("""
                    INSERT INTO webhook_outbox (account_id, event_type, payload, ordering_key)
                    SELECT ?, ?, jsonb_set(?::jsonb, '{taskId}', to_jsonb('task_' || lpad(g::text, 10, '0'))),
                           CASE WHEN ? > 0 THEN 'key-' || g % ? END
                    FROM generate_series(0, ? - 1) AS g""")) {
                p.setString(1, Payloads.ACCOUNT);
                p.setString(2, Payloads.EVENT_TYPE);
                p.setString(3, Payloads.payload(0));
                p.setInt(4, keys);
                p.setInt(5, Math.max(1, keys));
                p.setInt(6, n);
                p.executeUpdate();
            }
            c.commit();
            c.setAutoCommit(true);
            EventRouter router = new EventRouter(database.dsl(), ROUTE_BATCH, WorkerConfig.DEFAULT_MAX_PAYLOAD_BYTES);
            while (router.routeBatch(Instant.now()) > 0) {
                // until every outbox row is routed
            }
            try (Statement s = c.createStatement()) {
                s.execute("VACUUM (ANALYZE) webhook_outbox, webhook_outbox_unrouted, webhook_deliveries");
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Outbox rows per routing transaction when a backlog is loaded. */
    static final int ROUTE_BATCH = 20_000;

    static String orderingKey(long i, int keys) {
        return "key-" + i % keys;
    }

    /**
     * Per ordering key (the outbox row's, so the same for an unordered endpoint), how many
     * deliveries first succeeded at the receiver after a later one of the same key had: 0 when
     * every key arrived in outbox order.
     */
    long outOfOrder(Received got) throws SQLException {
        Map<Long, Long> firstSuccess = got.firstSuccessByDelivery();
        List<long[]> arrivals = new ArrayList<>();
        Map<Long, String> keyOf = new java.util.HashMap<>();
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("""
                     SELECT d.id, d.outbox_id, o.ordering_key FROM webhook_deliveries d
                       JOIN webhook_outbox o ON o.id = d.outbox_id WHERE o.ordering_key IS NOT NULL""")) {
            while (r.next()) {
                Long at = firstSuccess.get(r.getLong(1));
                if (at != null) {
                    arrivals.add(new long[] {at, r.getLong(2), r.getLong(1)});
                    keyOf.put(r.getLong(1), r.getString(3));
                }
            }
        }
        arrivals.sort(java.util.Comparator.comparingLong((long[] a) -> a[0]).thenComparingLong(a -> a[1]));
        Map<String, Long> highest = new java.util.HashMap<>();
        long late = 0;
        for (long[] a : arrivals) {
            String key = keyOf.get(a[2]);
            Long before = highest.get(key);
            if (before != null && before > a[1]) {
                late++;
            } else {
                highest.put(key, a[1]);
            }
        }
        return late;
    }

    /** Deliveries by state, plus audit rows and unrouted outbox rows. */
    Map<String, Long> counts() throws SQLException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (DeliveryState state : DeliveryState.values()) {
            m.put(state.sql(), 0L);
        }
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT state, count(*) FROM webhook_deliveries GROUP BY state")) {
                while (r.next()) {
                    m.put(r.getString(1), r.getLong(2));
                }
            }
            m.put("audit_rows", single(s, "SELECT count(*) FROM webhook_audit_logs"));
            m.put("unrouted", single(s, "SELECT count(*) FROM webhook_outbox_unrouted"));
        }
        return m;
    }

    /** Audit rows written by each worker id, largest first, e.g. "6712/6650/6638". */
    String attemptsByWorker() throws SQLException {
        List<String> parts = new ArrayList<>();
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM webhook_audit_logs GROUP BY worker_id ORDER BY 1 DESC")) {
            while (r.next()) {
                parts.add(Long.toString(r.getLong(1)));
            }
        }
        return String.join("/", parts);
    }

    /**
     * On-disk bytes of each table with its indexes and TOAST (pg_total_relation_size), summed over
     * its partitions (webhook_audit_attempts is partitioned; its parent alone has no storage).
     */
    Map<String, Long> tableBytes() throws SQLException {
        Map<String, Long> m = new LinkedHashMap<>();
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            for (String t : List.of("webhook_outbox", "webhook_deliveries", "webhook_audit_attempts")) {
                m.put(t, single(s, "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('"
                        + t + "')), pg_total_relation_size('" + t + "'))::bigint"));
            }
        }
        return m;
    }

    /** VACUUM FULL of the three tables: what the rows take once dead row versions are gone. */
    void vacuumFull() throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("VACUUM FULL webhook_outbox, webhook_deliveries, webhook_audit_attempts");
        }
    }

    /**
     * EXPLAIN (ANALYZE, BUFFERS) of the worker's own claim statement
     * ({@code DeliveryRepository.CLAIM_SQL}, the text {@code claim} sends, its values bound as
     * parameters the same way), in a transaction that is rolled back.
     */
    String explainClaim(int limit) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) "
                    + DeliveryRepository.CLAIM_SQL)) {
                java.time.OffsetDateTime now = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
                p.setObject(1, now);
                p.setInt(2, limit);
                p.setString(3, EXPLAIN_WORKER);
                p.setObject(4, now.plusSeconds(60));
                p.setObject(5, now);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        plan.append(r.getString(1)).append('\n');
                    }
                }
            } finally {
                c.rollback();
            }
        }
        return plan.toString();
    }

    /**
     * The plan, with its timing and buffers, of the ordered promotion as a recorder runs it after
     * a batch of successes: in a transaction that is rolled back, the worker's own claim takes the
     * first {@code limit} due heads, its settlement marks them succeeded, then
     * {@code OrderedKeys.promoteHeads} promotes the next waiting delivery of each of their keys. The promotion is an UPDATE inside a function
     * (migration V11), so its plan comes from auto_explain, sent to this session as notices.
     */
    String explainPromotion(int limit) throws SQLException {
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                List<String> notices = new ArrayList<>();
                DSLContext tx = DSL.using(AutoExplain.recording(c, notices), SQLDialect.POSTGRES);
                DeliveryRepository deliveries = new DeliveryRepository(tx);
                Instant now = Instant.now();
                List<ClaimedDelivery> heads = deliveries.claim(EXPLAIN_WORKER, limit, now, Duration.ofMinutes(1));
                deliveries.settle(tx, EXPLAIN_WORKER, heads.stream().map(d -> new DeliveryRepository.Settlement(
                        d.deliveryId(), d.attempt(), DeliveryState.SUCCEEDED, null, 204, null)).toList(), now);
                AutoExplain.enableForTransaction(c);
                OrderedKeys.promoteHeads(tx, heads.stream()
                        .map(d -> new OrderedKeys.Key(d.endpointId(), d.orderingKey())).toList(), now);
                return autoExplainAsPlan(AutoExplain.planOf(notices, "UPDATE webhook_deliveries"));
            } finally {
                c.rollback();
            }
        }
    }

    /**
     * An auto_explain message ("duration: 1.234 ms  plan:", the query text, the plan) as EXPLAIN
     * would print it: the plan, then "Execution Time", which {@link #executionMs} reads.
     */
    private static String autoExplainAsPlan(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("duration: ([0-9.]+) ms").matcher(message);
        String ms = m.find() ? m.group(1) : "NaN";
        StringBuilder plan = new StringBuilder();
        boolean inQuery = true;
        for (String line : message.substring(message.indexOf("Query Text:")).split("\n")) {
            // The query text ends where the plan's first node (no leading blank) begins.
            if (inQuery && !line.startsWith("Query Text:") && !line.startsWith(" ") && !line.startsWith("\t")) {
                inQuery = false;
            }
            if (!inQuery) {
                plan.append(line).append('\n');
            }
        }
        return plan.append("Execution Time: ").append(ms).append(" ms\n").toString();
    }

    /** Shared buffers (hit + read) of a plan's top node, from its first "Buffers:" line; NaN when absent. */
    static double sharedBuffers(String plan) {
        for (String line : plan.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Buffers:")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("shared( hit=(\\d+))?( read=(\\d+))?")
                        .matcher(t);
                if (m.find()) {
                    return (m.group(2) == null ? 0 : Long.parseLong(m.group(2)))
                            + (m.group(4) == null ? 0 : Long.parseLong(m.group(4)));
                }
            }
        }
        return Double.NaN;
    }

    /** "Execution Time: 1.234 ms" of a plan, in ms; NaN when absent. */
    static double executionMs(String plan) {
        for (String line : plan.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Execution Time:")) {
                return Double.parseDouble(t.substring("Execution Time:".length()).replace("ms", "").trim());
            }
        }
        return Double.NaN;
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Replaces the database of jdbc:postgresql://host:port/db?params. */
    static String withDatabase(String url, String name) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        String params = query < 0 ? "" : url.substring(query);
        int slash = base.indexOf('/', "jdbc:postgresql://".length());
        String server = slash < 0 ? base : base.substring(0, slash);
        return server + "/" + name + params;
    }

    static String withParameter(String url, String key, String value) {
        return url + (url.indexOf('?') < 0 ? "?" : "&") + key + "=" + value;
    }

    @Override
    public void close() {
        database.close();
    }
}
