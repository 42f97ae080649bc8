package com.d3.webhooks.testing;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_ATTEMPTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.JSONB;

/**
 * Deliveries, outbox rows and audit rows written directly in any state and at any time, for
 * the operators' tools' tests (the worker is not needed to reach a state).
 */
public final class Rows {

    private final DSLContext dsl;

    public Rows(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** A routed outbox row; returns its id. */
    public long outbox(String account, String type, Instant createdAt, String routingState) {
        var o = WEBHOOK_OUTBOX;
        return dsl.insertInto(o)
                .set(o.ACCOUNT_ID, account)
                .set(o.EVENT_TYPE, type)
                .set(o.PAYLOAD, JSONB.jsonb("{\"n\": 1}"))
                .set(o.OCCURRED_AT, utc(createdAt))
                .set(o.CREATED_AT, utc(createdAt))
                .set(o.ROUTING_STATE, routingState)
                .set(o.ROUTED_AT, routingState == null ? null : utc(createdAt))
                .set(o.DELIVERY_COUNT, "routed".equals(routingState) ? 1 : 0)
                .returning(o.ID)
                .fetchSingle(o.ID);
    }

    /**
     * A delivery in {@code state} to the endpoint, for a new routed outbox row: {@code attempts}
     * made, created at {@code at}, completed at {@code at} when succeeded, failed or skipped, due at
     * {@code at} when pending, leased to worker "w-other" for an hour when in flight.
     */
    public long delivery(long endpointId, String account, String state, int attempts, Instant at) {
        return delivery(endpointId, account, "fileTask.completed", state, attempts, at);
    }

    public long delivery(long endpointId, String account, String type, String state, int attempts, Instant at) {
        long outboxId = outbox(account, type, at, "routed");
        UUID eventId = dsl.select(WEBHOOK_OUTBOX.EVENT_ID).from(WEBHOOK_OUTBOX).where(WEBHOOK_OUTBOX.ID.eq(outboxId))
                .fetchSingle(WEBHOOK_OUTBOX.EVENT_ID);
        var d = WEBHOOK_DELIVERIES;
        boolean finished = state.equals("succeeded") || state.equals("failed") || state.equals("skipped");
        boolean inFlight = state.equals("in_flight");
        return dsl.insertInto(d)
                .set(d.OUTBOX_ID, outboxId)
                .set(d.EVENT_ID, eventId)
                .set(d.ENDPOINT_ID, endpointId)
                .set(d.ACCOUNT_ID, account)
                .set(d.EVENT_TYPE, type)
                .set(d.STATE, state)
                .set(d.ATTEMPTS, attempts)
                .set(d.NEXT_ATTEMPT_AT, utc(at))
                .set(d.LOCKED_BY, inFlight ? "w-other" : null)
                .set(d.LOCKED_UNTIL, inFlight ? utc(at.plusSeconds(3600)) : null)
                .set(d.LAST_STATUS, state.equals("failed") ? Integer.valueOf(503) : finished ? Integer.valueOf(200) : null)
                .set(d.LAST_ERROR, state.equals("failed") ? "HTTP 503" : null)
                .set(d.CREATED_AT, utc(at))
                .set(d.UPDATED_AT, utc(at))
                .set(d.COMPLETED_AT, finished ? utc(at) : null)
                .returning(d.ID)
                .fetchSingle(d.ID);
    }

    /**
     * {@code n} failed deliveries to the endpoint in one statement each for outbox and
     * deliveries, each with {@code attempts} failed attempts (no audit rows), created at {@code at}.
     */
    public void failedDeliveries(long endpointId, String account, int n, int attempts, Instant at) {
        OffsetDateTime t = utc(at);
        dsl.execute("""
                WITH o AS (
                  INSERT INTO webhook_outbox (account_id, event_type, payload, occurred_at, created_at,
                                              routing_state, routed_at, delivery_count)
                  SELECT ?, 'fileTask.completed', jsonb_build_object('n', g), ?::timestamptz, ?::timestamptz,
                         'routed', ?::timestamptz, 1
                    FROM generate_series(1, ?::int) g
                  RETURNING id, event_id, account_id, event_type)
                INSERT INTO webhook_deliveries (outbox_id, event_id, endpoint_id, account_id, event_type, state,
                                                attempts, retry_base, next_attempt_at, last_status, last_error,
                                                created_at, updated_at, completed_at)
                SELECT o.id, o.event_id, ?::bigint, o.account_id, o.event_type, 'failed', ?::int, 0, ?::timestamptz,
                       503, 'HTTP 503', ?::timestamptz, ?::timestamptz, ?::timestamptz
                  FROM o ORDER BY o.id""", account, t, t, t, n, endpointId, attempts, t, t, t, t);
    }

    /** An audit row for the delivery, as the worker writes one per attempt. */
    public void attempt(long deliveryId, int attemptNumber, boolean success, int durationMs, Instant sentAt) {
        var d = dsl.selectFrom(WEBHOOK_DELIVERIES).where(WEBHOOK_DELIVERIES.ID.eq(deliveryId)).fetchSingle();
        var a = WEBHOOK_AUDIT_ATTEMPTS;
        dsl.insertInto(a)
                .set(a.DELIVERY_ID, deliveryId)
                .set(a.EVENT_ID, d.getEventId())
                .set(a.ENDPOINT_ID, d.getEndpointId())
                .set(a.TARGET_URL, "https://example.com/hook")
                .set(a.ATTEMPT_NUMBER, attemptNumber)
                .set(a.STATUS, success ? "success" : "failed")
                .set(a.RESPONSE_STATUS, success ? 200 : 503)
                .set(a.ERROR_MESSAGE, success ? null : "HTTP 503")
                .set(a.DURATION_MS, durationMs)
                .set(a.WORKER_ID, "w-1")
                .set(a.SENT_AT, utc(sentAt))
                .execute();
    }

    public static OffsetDateTime utc(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }
}
