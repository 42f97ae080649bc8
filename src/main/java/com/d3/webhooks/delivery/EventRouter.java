package com.d3.webhooks.delivery;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.selectCount;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.when;

import com.d3.webhooks.outbox.EventTypes;
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

    private final DSLContext dsl;
    private final int batchSize;
    private final int maxPayloadBytes;

    public EventRouter(DSLContext dsl, int batchSize, int maxPayloadBytes) {
        this.dsl = dsl;
        this.batchSize = batchSize;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** Routes at most one batch; returns how many outbox rows it took. */
    public int routeBatch(Instant now) {
        OffsetDateTime at = DeliveryRepository.utc(now);
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            var rows = tx.select(WEBHOOK_OUTBOX.ID, WEBHOOK_OUTBOX.EVENT_ID, WEBHOOK_OUTBOX.ACCOUNT_ID,
                            WEBHOOK_OUTBOX.EVENT_TYPE, JSON_KIND, PAYLOAD_BYTES)
                    .from(WEBHOOK_OUTBOX)
                    .where(WEBHOOK_OUTBOX.ROUTED_AT.isNull())
                    .orderBy(WEBHOOK_OUTBOX.ID)
                    .limit(batchSize)
                    .forUpdate().skipLocked()
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
                createDeliveries(tx, usable, at);
                markRouted(tx, usable, at);
            }
            return rows.size();
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

    /** One delivery per (event, enabled endpoint of the account that wants this type). */
    private static void createDeliveries(DSLContext tx, List<Long> outboxIds, OffsetDateTime at) {
        var o = WEBHOOK_OUTBOX;
        var e = WEBHOOK_ENDPOINTS;
        tx.insertInto(WEBHOOK_DELIVERIES, WEBHOOK_DELIVERIES.OUTBOX_ID, WEBHOOK_DELIVERIES.EVENT_ID,
                        WEBHOOK_DELIVERIES.ENDPOINT_ID, WEBHOOK_DELIVERIES.ACCOUNT_ID, WEBHOOK_DELIVERIES.EVENT_TYPE,
                        WEBHOOK_DELIVERIES.NEXT_ATTEMPT_AT, WEBHOOK_DELIVERIES.CREATED_AT,
                        WEBHOOK_DELIVERIES.UPDATED_AT)
                .select(tx.select(o.ID, o.EVENT_ID, e.ID, o.ACCOUNT_ID, o.EVENT_TYPE,
                                inline(at), inline(at), inline(at))
                        .from(o)
                        .join(e).on(e.ACCOUNT_ID.eq(o.ACCOUNT_ID))
                        .where(o.ID.in(outboxIds))
                        .and(e.ENABLED.isTrue())
                        .and(e.EVENT_TYPES.isNull().or(field("{0} = ANY({1})", Boolean.class, o.EVENT_TYPE,
                                e.EVENT_TYPES).isTrue()))
                        .orderBy(o.ID, e.ID))
                .onConflict(WEBHOOK_DELIVERIES.OUTBOX_ID, WEBHOOK_DELIVERIES.ENDPOINT_ID).doNothing()
                .execute();
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
