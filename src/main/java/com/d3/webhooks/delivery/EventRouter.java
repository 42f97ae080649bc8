package com.d3.webhooks.delivery;

import com.d3.webhooks.db.DbTime;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.selectCount;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.val;
import static org.jooq.impl.DSL.when;

import com.d3.webhooks.outbox.EventTypes;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
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
    private static final Field<String> JSON_KIND = field("jsonb_typeof({0})", String.class, WEBHOOK_OUTBOX.PAYLOAD);
    private static final Field<Integer> PAYLOAD_BYTES =
            field("octet_length({0}::text)", Integer.class, WEBHOOK_OUTBOX.PAYLOAD);

    /** Plain JDBC: it runs hundreds of times a second and jOOQ would render it every time. */
    private static final String UNROUTED_EXISTS_SQL =
            "SELECT EXISTS (SELECT 1 FROM webhook_outbox WHERE routed_at IS NULL)";

    /** The advisory lock (single 64-bit key space) held by the one routing transaction. */
    private static final long ROUTING_LOCK = 0x0D3_0817_0001L;

    private final DSLContext dsl;
    private final int batchSize;
    private final int maxPayloadBytes;

    public EventRouter(DSLContext dsl, int batchSize, int maxPayloadBytes) {
        this.dsl = dsl;
        this.batchSize = batchSize;
        this.maxPayloadBytes = maxPayloadBytes;
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
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            if (!tx.select(field("pg_try_advisory_xact_lock({0})", Boolean.class, val(ROUTING_LOCK))).fetchSingle()
                    .value1()) {
                return 0;
            }
            var rows = tx.select(WEBHOOK_OUTBOX.ID, WEBHOOK_OUTBOX.EVENT_ID, WEBHOOK_OUTBOX.ACCOUNT_ID,
                            WEBHOOK_OUTBOX.EVENT_TYPE, JSON_KIND, PAYLOAD_BYTES)
                    .from(WEBHOOK_OUTBOX)
                    .where(WEBHOOK_OUTBOX.ROUTED_AT.isNull())
                    .orderBy(WEBHOOK_OUTBOX.ID)
                    .limit(batchSize)
                    .fetch();
            List<Long> usable = new ArrayList<>();
            for (var row : rows) {
                String problem = problem(row.get(WEBHOOK_OUTBOX.ACCOUNT_ID), row.get(WEBHOOK_OUTBOX.EVENT_TYPE),
                        row.get(JSON_KIND), row.get(PAYLOAD_BYTES));
                if (problem == null) {
                    usable.add(row.get(WEBHOOK_OUTBOX.ID));
                } else {
                    reject(tx, row.get(WEBHOOK_OUTBOX.ID), problem, at);
                    log.warn("event {} (outbox row {}) rejected: {}; it stays in webhook_outbox with "
                                    + "routing_state 'rejected' and is not delivered",
                            row.get(WEBHOOK_OUTBOX.EVENT_ID), row.get(WEBHOOK_OUTBOX.ID), problem);
                }
            }
            if (!usable.isEmpty()) {
                createDeliveries(tx, usable, now);
                markRouted(tx, usable, at);
            }
            return rows.size();
        });
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
     * One delivery per (event, enabled endpoint of the account that wants this type). A keyed
     * event to an ordered endpoint starts out waiting, then the heads of its keys are promoted.
     */
    private static void createDeliveries(DSLContext tx, List<Long> outboxIds, Instant now) {
        var o = WEBHOOK_OUTBOX;
        var e = WEBHOOK_ENDPOINTS;
        var d = WEBHOOK_DELIVERIES;
        OffsetDateTime at = DbTime.utc(now);
        Field<String> key = when(e.ORDERED.isTrue(), o.ORDERING_KEY);
        List<OrderedKeys.Key> waiting = tx.insertInto(d, d.OUTBOX_ID, d.EVENT_ID, d.ENDPOINT_ID, d.ACCOUNT_ID,
                        d.EVENT_TYPE, d.ORDERING_KEY, d.STATE, d.NEXT_ATTEMPT_AT, d.CREATED_AT, d.UPDATED_AT)
                .select(tx.select(o.ID, o.EVENT_ID, e.ID, o.ACCOUNT_ID, o.EVENT_TYPE, key,
                                when(key.isNotNull(), inline(DeliveryRepository.WAITING))
                                        .otherwise(inline(DeliveryRepository.PENDING)),
                                inline(at), inline(at), inline(at))
                        .from(o)
                        .join(e).on(e.ACCOUNT_ID.eq(o.ACCOUNT_ID))
                        .where(o.ID.in(outboxIds))
                        .and(e.ENABLED.isTrue())
                        .and(e.EVENT_TYPES.isNull().or(field("{0} = ANY({1})", Boolean.class, o.EVENT_TYPE,
                                e.EVENT_TYPES).isTrue()))
                        .orderBy(o.ID, e.ID))
                .onConflict(d.OUTBOX_ID, d.ENDPOINT_ID).doNothing()
                .returningResult(d.ENDPOINT_ID, d.ORDERING_KEY)
                .fetch()
                .stream()
                .filter(r -> r.value2() != null)
                .map(r -> new OrderedKeys.Key(r.value1(), r.value2()))
                .toList();
        OrderedKeys.promoteHeads(tx, waiting, now);
    }

    private static void markRouted(DSLContext tx, List<Long> outboxIds, OffsetDateTime at) {
        var o = WEBHOOK_OUTBOX;
        var d = WEBHOOK_DELIVERIES;
        var hasDelivery = exists(selectOne().from(d).where(d.OUTBOX_ID.eq(o.ID)));
        tx.update(o)
                .set(o.ROUTED_AT, at)
                .set(o.ROUTING_STATE, when(hasDelivery, inline("routed")).otherwise(inline("no_endpoint")))
                .set(o.DELIVERY_COUNT, selectCount().from(d).where(d.OUTBOX_ID.eq(o.ID)).asField())
                .where(o.ID.in(outboxIds))
                .execute();
    }
}
