package com.d3.webhooks.delivery;

import com.d3.webhooks.ordering.OrderedKeys;
import com.d3.webhooks.db.DbTime;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;

import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.tracing.TraceContextColumns;
import com.d3.webhooks.tracing.WorkerTracing;
import io.opentelemetry.api.trace.SpanContext;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans events out: turns each unrouted outbox row into one delivery per matching enabled
 * endpoint of its account, in one short transaction per batch. Rows that cannot be sent are
 * marked rejected with the reason; events with no matching endpoint are marked no_endpoint.
 * Either way the row leaves the unrouted index, so nothing is looked at twice or lost.
 */
public final class EventRouter {

    private static final Logger log = LoggerFactory.getLogger(EventRouter.class);

    /*
     * Plain SQL over JDBC: these run for every batch (the first hundreds of times a second), and
     * rendering them with jOOQ was a fifth of the worker's CPU in a drain (JFR). The outbox ids
     * travel as one array, so the text never changes and the server plans each statement once.
     */
    private static final String UNROUTED_EXISTS_SQL =
            "SELECT EXISTS (SELECT 1 FROM webhook_outbox WHERE routed_at IS NULL)";
    private static final String UNROUTED_SQL = """
            SELECT id, event_id, account_id, event_type, jsonb_typeof(payload) AS payload_kind,
                   octet_length(payload::text) AS payload_bytes, traceparent, tracestate
              FROM webhook_outbox
             WHERE routed_at IS NULL
             ORDER BY id
             LIMIT ?""";
    private static final String CREATE_DELIVERIES_SQL = """
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
            RETURNING endpoint_id, ordering_key""";
    private static final String MARK_ROUTED_SQL = """
            UPDATE webhook_outbox o
               SET routed_at = ?,
                   routing_state = CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_id = o.id)
                                        THEN 'routed' ELSE 'no_endpoint' END,
                   delivery_count = (SELECT count(*) FROM webhook_deliveries d WHERE d.outbox_id = o.id)
             WHERE o.id = ANY (?)""";

    /** The advisory lock (single 64-bit key space) held by the one routing transaction. */
    private static final long ROUTING_LOCK = 0x0D3_0817_0001L;

    private final DSLContext dsl;
    private final int batchSize;
    private final int maxPayloadBytes;
    private final WorkerTracing tracing;

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
     * Routes at most one batch; returns how many outbox rows it took, 0 also when another worker
     * is routing right now. One router at a time, in outbox order: routers working side by side
     * could commit a later event's delivery before an earlier one's, and ordered keys would then
     * start in the wrong order. Routing is one short transaction per batch, far from a bottleneck.
     */
    public int routeBatch(Instant now) {
        // The claim loop asks every poll-min and mostly finds nothing: one cheap statement,
        // outside any transaction, says so.
        if (!hasUnrouted()) {
            return 0;
        }
        OffsetDateTime at = DbTime.utc(now);
        Instant start = tracing.enabled() ? Instant.now() : null;
        List<SpanContext> producers = tracing.enabled() ? new ArrayList<>() : null;
        int routed = dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            return tx.connectionResult(c -> {
                if (!tryRoutingLock(c)) {
                    return 0;
                }
                List<Long> usable = new ArrayList<>();
                int taken = 0;
                try (PreparedStatement ps = c.prepareStatement(UNROUTED_SQL)) {
                    ps.setInt(1, batchSize);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            taken++;
                            long id = rs.getLong("id");
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
                }
                if (!usable.isEmpty()) {
                    Array ids = c.createArrayOf("bigint", usable.toArray(Long[]::new));
                    List<OrderedKeys.Key> waiting = createDeliveries(c, ids, at);
                    markRouted(c, ids, at);
                    // Last: the keys stay locked from here to the commit, and recorders wait for them.
                    OrderedKeys.promoteHeads(tx, waiting, now);
                }
                return taken;
            });
        });
        if (routed > 0 && start != null) {
            tracing.routed(start, routed, producers);
        }
        return routed;
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
     * Takes the routing lock and, for this transaction only, prices sorts out of the plans. When
     * the planner expects fewer unrouted rows than a batch (a table not analysed since it filled),
     * it reads every unrouted row, payloads included, to sort them by id rather than walk the
     * partial index in order: 50 ms a batch with 20,000 unrouted events in a bench drain, and it
     * grows with the backlog. Without a sort to choose, it walks the index and stops at the batch.
     * JIT goes too: a sort priced out costs 10^10, and a statement that must sort anyway would
     * spend 80 to 150 ms compiling itself (seen with a sorting lock statement).
     */
    private static boolean tryRoutingLock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_try_advisory_xact_lock(?), set_config('enable_sort', 'off', true), "
                        + "set_config('jit', 'off', true)")) {
            ps.setLong(1, ROUTING_LOCK);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * One delivery per (event, enabled endpoint of the account that wants this type). A keyed
     * event to an ordered endpoint starts out waiting; returns those keys, whose heads the
     * caller then promotes.
     */
    private static List<OrderedKeys.Key> createDeliveries(Connection c, Array outboxIds, OffsetDateTime at)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CREATE_DELIVERIES_SQL)) {
            ps.setObject(1, at);
            ps.setObject(2, at);
            ps.setObject(3, at);
            ps.setArray(4, outboxIds);
            List<OrderedKeys.Key> waiting = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString("ordering_key");
                    if (key != null) {
                        waiting.add(new OrderedKeys.Key(rs.getLong("endpoint_id"), key));
                    }
                }
            }
            return waiting;
        }
    }

    private static void markRouted(Connection c, Array outboxIds, OffsetDateTime at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MARK_ROUTED_SQL)) {
            ps.setObject(1, at);
            ps.setArray(2, outboxIds);
            ps.executeUpdate();
        }
    }
}
