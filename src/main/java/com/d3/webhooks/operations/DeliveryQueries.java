package com.d3.webhooks.operations;

import com.d3.webhooks.network.EndpointUrl;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_LOGS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;

import com.d3.webhooks.db.schema.tables.records.WebhookDeliveriesRecord;
import com.d3.webhooks.state.DeliveryState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Read-only views of deliveries and their audit trail, for {@code outbox deliveries}. */
public final class DeliveryQueries {

    private static final com.d3.webhooks.db.schema.tables.WebhookDeliveries D = WEBHOOK_DELIVERIES;

    private final DSLContext dsl;

    public DeliveryQueries(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** The newest {@code limit} deliveries matching the filter, newest first. */
    public List<DeliverySummary> list(DeliveryFilter filter, int limit) {
        return dsl.selectFrom(D).where(filter.condition()).orderBy(D.ID.desc()).limit(limit)
                .fetch(DeliveryQueries::toSummary);
    }

    public Optional<DeliverySummary> find(long id) {
        return dsl.selectFrom(D).where(D.ID.eq(id)).fetchOptional(DeliveryQueries::toSummary);
    }

    /**
     * Every audited attempt of the delivery, in attempt order (earlier budgets included), each
     * with the URL it used without query or user-info (the audit row keeps the whole URL).
     */
    public List<AttemptRecord> attempts(long deliveryId) {
        var a = WEBHOOK_AUDIT_LOGS;
        return dsl.select(a.ATTEMPT_NUMBER, a.SENT_AT, a.STATUS, a.RESPONSE_STATUS, a.ERROR_MESSAGE, a.DURATION_MS,
                        a.WORKER_ID, a.TARGET_URL, a.RESPONSE_BODY)
                .from(a)
                .where(a.DELIVERY_ID.eq(deliveryId))
                .orderBy(a.ATTEMPT_NUMBER, a.ID)
                .fetch(r -> new AttemptRecord(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(),
                        r.value7(), EndpointUrl.redact(r.value8()), r.value9()));
    }

    /**
     * How many of an endpoint's deliveries are pending, paused, in flight and failed (succeeded ones are
     * not counted: they are most of the table; {@code outbox stats} counts recent ones).
     */
    public Map<String, Long> openDeliveriesByState(long endpointId) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (DeliveryState state : List.of(DeliveryState.PENDING, DeliveryState.PAUSED, DeliveryState.IN_FLIGHT,
                DeliveryState.FAILED)) {
            counts.put(state.sql(), 0L);
        }
        dsl.select(D.STATE, DSL.count()).from(D)
                .where(D.ENDPOINT_ID.eq(endpointId)).and(D.STATE.in(counts.keySet()))
                .groupBy(D.STATE)
                .fetch()
                .forEach(r -> counts.put(r.value1(), r.value2().longValue()));
        return counts;
    }

    static DeliverySummary toSummary(WebhookDeliveriesRecord r) {
        return new DeliverySummary(r.getId(), r.getEventId(), r.getEventType(), r.getAccountId(), r.getEndpointId(),
                r.getState(), r.getAttempts(), r.getRetryBase(), r.getNextAttemptAt(), r.getLockedBy(),
                r.getLockedUntil(), r.getLastStatus(), r.getLastError(), r.getCreatedAt(), r.getUpdatedAt(),
                r.getCompletedAt());
    }

    /** A key of an ordered endpoint held up by a delivery that failed for good. */
    public record BlockedKey(long endpointId, String orderingKey, long failedDeliveryId, String eventType,
                             java.time.OffsetDateTime failedAt, String lastError, int waiting) {
    }

    /**
     * Ordered keys blocked by a failed delivery, with how many deliveries wait behind each. A
     * failed delivery of an endpoint whose on_exhausted policy is 'skip' blocks nothing.
     */
    public List<BlockedKey> blocked(int limit) {
        var d = WEBHOOK_DELIVERIES;
        var w = WEBHOOK_DELIVERIES.as("w");
        var waiting = DSL.field(DSL.selectCount().from(w)
                .where(w.ENDPOINT_ID.eq(d.ENDPOINT_ID)).and(w.ORDERING_KEY.eq(d.ORDERING_KEY))
                .and(w.STATE.eq(DeliveryState.WAITING.sql())));
        return dsl.select(d.ENDPOINT_ID, d.ORDERING_KEY, d.ID, d.EVENT_TYPE, d.COMPLETED_AT, d.LAST_ERROR, waiting)
                .from(d)
                .where(BlockingDeliveries.blockingTheirKey(d))
                .orderBy(d.COMPLETED_AT)
                .limit(limit)
                .fetch(r -> new BlockedKey(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(),
                        r.value7()));
    }
}
