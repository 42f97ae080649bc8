package com.d3.webhooks.delivery;

import com.d3.webhooks.ordering.OrderedKeys;
import com.d3.webhooks.db.DbTime;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;

import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.tracing.TraceContextColumns;
import com.d3.webhooks.tracing.WorkerTracing;
import io.opentelemetry.api.trace.SpanContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans events out: turns each queued outbox event (webhook_outbox_unrouted, filled by a trigger on
 * the application's INSERT) into one delivery per matching enabled endpoint of its account, in one
 * short transaction per batch that also takes the events off the queue. A routed event's outbox row
 * is not written again. Rows that cannot be sent are marked rejected with the reason; events with no
 * matching endpoint are marked no_endpoint. Either way nothing is looked at twice or lost.
 *
 * <p>Every worker routes at once. Queued events are spread over {@value #PARTITIONS} routing
 * partitions (migration V22: by ordering key, so a key's events share one; by id when unkeyed); a
 * batch takes whole partitions, each with a transaction-scoped advisory lock that it never waits
 * for, and routes their events in id order. Two routers so take disjoint sets of keys, and a
 * router that dies releases its partitions with its transaction. Per-key order still rests on the
 * hold-back alone: an event is held back, to a later batch, while an earlier event of its key is
 * still queued outside this batch (a router without partitions has it, or it was held back), so a
 * key's events are routed, and start their ordered deliveries, in outbox order.
 */
public final class EventRouter {

    private static final Logger log = LoggerFactory.getLogger(EventRouter.class);

    /*
     * Plain SQL over JDBC: these run for every batch (the take at every poll, hundreds of times a
     * second), and rendering them with jOOQ was a fifth of the worker's CPU in a drain (JFR). The
     * outbox ids travel as one array, so the text never changes and the server plans each
     * statement once.
     */
    /**
     * For {@link #hasUnrouted}: the last look of --exit-when-idle, and of callers that route until
     * the queue is empty. Not before each batch: the take finds an empty queue in two index probes.
     */
    private static final String UNROUTED_EXISTS_SQL = "SELECT EXISTS (SELECT 1 FROM webhook_outbox_unrouted)";
    /** Routing partitions; V22's webhook_routing_partition gives each queued event one of them. */
    static final int PARTITIONS = 64;
    /** The top 16 bits of the partitions' lock keys, in the single 64-bit advisory key space. */
    private static final long PARTITION_LOCK_TAG = 0x0D33L << 48;
    /**
     * The batch: the partitions that have queued events and that no other router holds, in turn
     * from this router's start (each locked as it is reached, and only if it is reached: the lazy
     * CTEs and LIMIT stop there), then their events in id order, locked (SKIP LOCKED, for a router
     * without partitions). Which partitions have queued events, a walk of the partition index
     * says, skipping from one to the next (start to the last, then around from 0): a probe per
     * queued partition, and each probe marks the entries of routed events it passes as dead (an
     * index scan does, a bitmap scan does not), so later batches skip them. Asking each of the
     * {@value #PARTITIONS} partitions in turn cost a small queue {@value #PARTITIONS} probes a
     * batch or, as the planner preferred, a bitmap scan of the whole index that read the dead
     * entries again at every batch.
     *
     * <p>With each event its checks, its producer's trace context and whether it must wait:
     * whether an earlier event of its key is queued outside the batch (another router has it, or
     * holds it back). That is looked up once per key of the batch, as the key's first queued event
     * the batch does not hold, among those before the key's last in the batch: one walk of the
     * batch's share of the key (per event, a batch of one key cost the square of the batch).
     * Parameters: see {@link #bindTake}.
     */
    static final String TAKE_SQL = """
            WITH RECURSIVE queued (p, wrapped) AS (
                SELECT (SELECT min(q.routing_partition) FROM webhook_outbox_unrouted q WHERE q.routing_partition >= ?),
                       false
                UNION ALL
                SELECT (SELECT min(q.routing_partition) FROM webhook_outbox_unrouted q
                         WHERE q.routing_partition > coalesce(queued.p, -1)
                           AND q.routing_partition < CASE WHEN queued.wrapped OR queued.p IS NULL THEN ? ELSE ? END),
                       queued.wrapped OR queued.p IS NULL
                  FROM queued
                 WHERE queued.p IS NOT NULL OR NOT queued.wrapped),
            parts AS MATERIALIZED (
                SELECT p FROM queued
                 WHERE CASE WHEN p IS NOT NULL THEN pg_try_advisory_xact_lock(? | p) ELSE false END),
            batch AS MATERIALIZED (
                SELECT u.outbox_id, u.ordering_key, parts.p
                  FROM parts
                 CROSS JOIN LATERAL (
                       SELECT q.outbox_id, q.ordering_key FROM webhook_outbox_unrouted q
                        WHERE q.routing_partition = parts.p
                        ORDER BY q.outbox_id
                        LIMIT ?
                          FOR UPDATE SKIP LOCKED) AS u
                 LIMIT ?),
            gaps AS (
                SELECT k.ordering_key,
                       (SELECT min(u.outbox_id) FROM webhook_outbox_unrouted u
                         WHERE u.ordering_key = k.ordering_key AND u.outbox_id < k.last_in_batch
                           AND u.outbox_id NOT IN (SELECT outbox_id FROM batch)) AS first_outside
                  FROM (SELECT ordering_key, max(outbox_id) AS last_in_batch FROM batch
                         WHERE ordering_key IS NOT NULL GROUP BY ordering_key) AS k)
            SELECT o.id, o.event_id, o.account_id, o.event_type, jsonb_typeof(o.payload) AS payload_kind,
                   octet_length(o.payload::text) AS payload_bytes,
                   o.traceparent, o.tracestate, b.p AS routing_partition,
                   coalesce(b.outbox_id > g.first_outside, false) AS held_back
              FROM batch b
              LEFT JOIN gaps g ON g.ordering_key = b.ordering_key
              JOIN webhook_outbox o ON o.id = b.outbox_id""";
    /**
     * Takes the batch's events off the queue (parameter 1: all of them, rejected ones included) and
     * creates the deliveries of the usable ones (parameter 5), in one round trip.
     */
    private static final String CREATE_DELIVERIES_SQL = """
            WITH dequeued AS (DELETE FROM webhook_outbox_unrouted WHERE outbox_id = ANY (?))
            INSERT INTO webhook_deliveries (outbox_id, event_id, endpoint_id, account_id, event_type, ordering_key,
                   state, next_attempt_at, created_at, updated_at)
            SELECT o.id, o.event_id, e.id, o.account_id, o.event_type,
                   CASE WHEN e.ordered THEN o.ordering_key END,
                   CASE WHEN e.ordered AND o.ordering_key IS NOT NULL THEN 'waiting' ELSE 'pending' END,
                   ?, ?, ?
              FROM webhook_outbox o
              JOIN webhook_endpoints e ON e.account_id = o.account_id
             WHERE o.id = ANY (?)
               AND e.enabled
               AND (e.event_types IS NULL OR o.event_type = ANY (e.event_types))
             ORDER BY o.id, e.id
            ON CONFLICT (outbox_id, endpoint_id) DO NOTHING
            RETURNING outbox_id, endpoint_id, ordering_key""";
    /** Events of the batch that got no delivery: no enabled endpoint of the account wants them. */
    private static final String MARK_NO_ENDPOINT_SQL = """
            UPDATE webhook_outbox o
               SET routed_at = ?, routing_state = 'no_endpoint', delivery_count = 0
             WHERE o.id = ANY (?)
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_id = o.id)""";

    private final DSLContext dsl;
    private final int batchSize;
    private final int maxPayloadBytes;
    private final WorkerTracing tracing;
    /**
     * The partition this router's next batch starts at: where a full batch stopped (that partition
     * may hold more), else anywhere, so that routers spread over the partitions.
     */
    private volatile int startPartition = ThreadLocalRandom.current().nextInt(PARTITIONS);

    /** An untraced router. */
    public EventRouter(DSLContext dsl, int batchSize, int maxPayloadBytes) {
        this(dsl, batchSize, maxPayloadBytes, WorkerTracing.off());
    }

    /** A router whose batches are spans linked to the producers of the events they route. */
    public EventRouter(DSLContext dsl, int batchSize, int maxPayloadBytes, WorkerTracing tracing) {
        this.dsl = dsl;
        this.batchSize = batchSize;
        this.maxPayloadBytes = maxPayloadBytes;
        this.tracing = tracing;
    }

    /**
     * Routes at most one batch; returns how many events it took off the queue (routed, rejected
     * or without an endpoint), 0 also when other routers hold every queued event.
     */
    public int routeBatch(Instant now) {
        OffsetDateTime at = DbTime.utc(now);
        Instant start = tracing.enabled() ? Instant.now() : null;
        List<SpanContext> producers = tracing.enabled() ? new ArrayList<>() : null;
        int routed = dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            return tx.connectionResult(c -> {
                routingSettings(c);
                List<Long> taken = new ArrayList<>();
                List<Long> usable = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(TAKE_SQL)) {
                    bindTake(ps, startPartition, batchSize);
                    int rows = 0;
                    int lastPartition = 0;
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rows++;
                            lastPartition = rs.getInt("routing_partition");
                            if (rs.getBoolean("held_back")) {
                                continue; // an earlier event of its key is not routed yet
                            }
                            long id = rs.getLong("id");
                            taken.add(id);
                            if (producers != null) {
                                producers.add(TraceContextColumns.parse(rs.getString("traceparent"),
                                        rs.getString("tracestate")));
                            }
                            String problem = problem(rs.getString("account_id"), rs.getString("event_type"),
                                    rs.getString("payload_kind"), rs.getInt("payload_bytes"));
                            if (problem == null) {
                                usable.add(id);
                            } else {
                                reject(tx, id, problem, at);
                                log.warn("event {} (outbox row {}) rejected: {}; it stays in webhook_outbox with "
                                        + "routing_state 'rejected' and is not delivered", rs.getString("event_id"), id, problem);
                            }
                        }
                    }
                    startPartition = rows == batchSize ? lastPartition : ThreadLocalRandom.current().nextInt(PARTITIONS);
                }
                if (taken.isEmpty()) {
                    return 0;
                }
                Routed created = createDeliveries(c, taken, usable, at);
                if (created.events().size() < usable.size()) {
                    markNoEndpoint(c, usable.stream().filter(id -> !created.events().contains(id)).toList(), at);
                }
                // Last: the keys stay locked from here to the commit, and recorders wait for them.
                OrderedKeys.promoteHeads(tx, created.waiting(), now);
                return taken.size();
            });
        });
        if (routed > 0 && start != null) {
            tracing.routed(start, routed, producers);
        }
        return routed;
    }

    /**
     * TAKE_SQL's parameters: the start (the first lap's lower bound, the second's upper one), the
     * first lap's upper bound, the lock tag, the batch size.
     */
    static void bindTake(PreparedStatement ps, int startPartition, int batchSize) throws SQLException {
        ps.setInt(1, startPartition);
        ps.setInt(2, startPartition);
        ps.setInt(3, PARTITIONS);
        ps.setLong(4, PARTITION_LOCK_TAG);
        ps.setInt(5, batchSize);
        ps.setInt(6, batchSize);
    }

    /** Whether any event waits to be routed (by this worker or another). */
    public boolean hasUnrouted() {
        return dsl.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(UNROUTED_EXISTS_SQL); ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        });
    }

    private String problem(String accountId, String eventType, String jsonKind, int payloadBytes) {
        if (accountId.isBlank()) {
            return "account_id is empty";
        }
        String typeProblem = EventTypes.problem(eventType);
        if (typeProblem != null) {
            return typeProblem;
        }
        if (!"object".equals(jsonKind)) {
            return "payload must be a JSON object, got a JSON " + jsonKind;
        }
        if (payloadBytes > maxPayloadBytes) {
            return "payload is " + payloadBytes + " bytes, over the limit of " + maxPayloadBytes + " bytes";
        }
        return null;
    }

    private static void reject(DSLContext tx, long outboxId, String reason, OffsetDateTime at) {
        tx.update(WEBHOOK_OUTBOX)
                .set(WEBHOOK_OUTBOX.ROUTING_STATE, "rejected")
                .set(WEBHOOK_OUTBOX.ROUTING_ERROR, reason)
                .set(WEBHOOK_OUTBOX.ROUTED_AT, at)
                .where(WEBHOOK_OUTBOX.ID.eq(outboxId))
                .execute();
    }

    /**
     * For this transaction only: the planner left index walks alone, as the promotion function
     * does (migration V11), and the commit not waiting for the WAL flush.
     *
     * <p>Its statistics of the queue and the outbox are often stale (both change by the batch): it
     * then expected fewer queued events than a batch and sorted every one of them, or joined the
     * batch to the whole outbox by a sequential scan, and the cost grew with the backlog or with the
     * outbox's history. JIT goes too: a sort priced out costs 10^10, and a statement that must sort
     * anyway would spend 80 to 150 ms compiling itself.
     *
     * <p>The flush was most of a batch's time. Not waiting for it loses nothing: a crash before
     * the flush undoes the whole batch, queue rows included, and the events are routed again; and
     * no delivery of the batch can be sent before then, because its claim commits with a flush,
     * which writes out every earlier commit's WAL, this batch's included.
     */
    static void routingSettings(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('enable_sort', 'off', true), "
                + "set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
                + "set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true), "
                + "set_config('synchronous_commit', 'off', true)")) {
            ps.executeQuery().close();
        }
    }

    /** The events that got deliveries, and the ordered keys whose deliveries start out waiting. */
    private record Routed(Set<Long> events, List<OrderedKeys.Key> waiting) {
    }

    /**
     * Takes the batch's events off the queue and creates one delivery per (usable event, enabled
     * endpoint of the account that wants this type). A keyed event to an ordered endpoint starts
     * out waiting; returns the events that got a delivery and those keys, whose heads the caller
     * then promotes.
     */
    private static Routed createDeliveries(Connection c, List<Long> taken, List<Long> usable, OffsetDateTime at)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CREATE_DELIVERIES_SQL)) {
            ps.setArray(1, c.createArrayOf("bigint", taken.toArray(Long[]::new)));
            ps.setObject(2, at);
            ps.setObject(3, at);
            ps.setObject(4, at);
            ps.setArray(5, c.createArrayOf("bigint", usable.toArray(Long[]::new)));
            Set<Long> events = new HashSet<>();
            List<OrderedKeys.Key> waiting = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(rs.getLong("outbox_id"));
                    String key = rs.getString("ordering_key");
                    if (key != null) {
                        waiting.add(new OrderedKeys.Key(rs.getLong("endpoint_id"), key));
                    }
                }
            }
            return new Routed(events, waiting);
        }
    }

    private static void markNoEndpoint(Connection c, List<Long> outboxIds, OffsetDateTime at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MARK_NO_ENDPOINT_SQL)) {
            ps.setObject(1, at);
            ps.setArray(2, c.createArrayOf("bigint", outboxIds.toArray(Long[]::new)));
            ps.executeUpdate();
        }
    }
}
