package com.d3.webhooks.delivery;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;

/**
 * The delivery state machine's statements, one method each. Every write after the claim is
 * fenced on (state = in_flight, locked_by, attempts): if another worker took the delivery over
 * after a lease expiry, the write matches no row and the caller logs it.
 */
public final class DeliveryRepository {

    static final String PENDING = "pending";
    static final String IN_FLIGHT = "in_flight";
    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";

    private static final com.d3.webhooks.db.schema.tables.WebhookDeliveries D = WEBHOOK_DELIVERIES;

    private final DSLContext dsl;

    public DeliveryRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Leases up to {@code limit} due deliveries to the worker in one statement: the CTE locks
     * due rows in the claim index's order, skipping rows other workers hold (a locking CTE is
     * not inlined, so the LIMIT runs once); the UPDATE counts the attempt and sets the lease.
     */
    public List<ClaimedDelivery> claim(String workerId, int limit, Instant now, java.time.Duration lease) {
        OffsetDateTime at = utc(now);
        Table<?> due = table(name("due"));
        Field<Long> dueId = field(name("due", "id"), Long.class);
        var o = WEBHOOK_OUTBOX;
        var e = WEBHOOK_ENDPOINTS;
        return dsl.with("due").as(dsl.select(D.ID).from(D)
                        .where(D.STATE.eq(PENDING)).and(D.NEXT_ATTEMPT_AT.le(at))
                        .orderBy(D.NEXT_ATTEMPT_AT, D.ID)
                        .limit(limit)
                        .forUpdate().skipLocked())
                .update(D)
                .set(D.STATE, IN_FLIGHT)
                .set(D.LOCKED_BY, workerId)
                .set(D.LOCKED_UNTIL, utc(now.plus(lease)))
                .set(D.ATTEMPTS, D.ATTEMPTS.plus(1))
                .set(D.UPDATED_AT, at)
                .from(due, o, e)
                .where(D.ID.eq(dueId)).and(o.ID.eq(D.OUTBOX_ID)).and(e.ID.eq(D.ENDPOINT_ID))
                .returningResult(D.ID, D.ATTEMPTS, D.RETRY_BASE, D.EVENT_ID, D.EVENT_TYPE, D.ACCOUNT_ID,
                        o.OCCURRED_AT, o.PAYLOAD, e.ID, e.URL, e.SECRET, e.PREVIOUS_SECRET,
                        e.PREVIOUS_SECRET_EXPIRES_AT, e.ENABLED)
                .fetch(r -> new ClaimedDelivery(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(),
                        r.value6(), r.value7(), r.value8().data(), r.value9(), r.value10(), r.value11(),
                        r.value12(), r.value13(), r.value14()));
    }

    /** Fenced: the delivery succeeded. Returns false when another worker owns it now. */
    public boolean markSucceeded(DSLContext tx, ClaimedDelivery d, String workerId, Integer status, Instant now) {
        return tx.update(D)
                .set(D.STATE, SUCCEEDED)
                .set(D.LOCKED_BY, (String) null)
                .set(D.LOCKED_UNTIL, (OffsetDateTime) null)
                .set(D.LAST_STATUS, status)
                .set(D.LAST_ERROR, (String) null)
                .set(D.UPDATED_AT, utc(now))
                .set(D.COMPLETED_AT, utc(now))
                .where(fence(d, workerId))
                .execute() == 1;
    }

    /** Fenced: the attempt failed and another is due at {@code retryAt}. */
    public boolean markRetry(DSLContext tx, ClaimedDelivery d, String workerId, Integer status, String error,
                             Instant retryAt, Instant now) {
        return tx.update(D)
                .set(D.STATE, PENDING)
                .set(D.NEXT_ATTEMPT_AT, utc(retryAt))
                .set(D.LOCKED_BY, (String) null)
                .set(D.LOCKED_UNTIL, (OffsetDateTime) null)
                .set(D.LAST_STATUS, status)
                .set(D.LAST_ERROR, error)
                .set(D.UPDATED_AT, utc(now))
                .where(fence(d, workerId))
                .execute() == 1;
    }

    /** Fenced: the last attempt of the budget failed; the delivery waits for an operator's replay. */
    public boolean markFailed(DSLContext tx, ClaimedDelivery d, String workerId, Integer status, String error,
                              Instant now) {
        return tx.update(D)
                .set(D.STATE, FAILED)
                .set(D.LOCKED_BY, (String) null)
                .set(D.LOCKED_UNTIL, (OffsetDateTime) null)
                .set(D.LAST_STATUS, status)
                .set(D.LAST_ERROR, error)
                .set(D.UPDATED_AT, utc(now))
                .set(D.COMPLETED_AT, utc(now))
                .where(fence(d, workerId))
                .execute() == 1;
    }

    /**
     * Fenced: gives a claimed delivery back without an attempt having been made (the worker is
     * stopping, or the endpoint was disabled after routing): the attempt count is restored and
     * the delivery is due at {@code dueAt}. A null note keeps the last error as it was.
     */
    public boolean release(DSLContext tx, ClaimedDelivery d, String workerId, Instant dueAt, String note,
                           Instant now) {
        return tx.update(D)
                .set(D.STATE, PENDING)
                .set(D.ATTEMPTS, D.ATTEMPTS.minus(1))
                .set(D.NEXT_ATTEMPT_AT, utc(dueAt))
                .set(D.LOCKED_BY, (String) null)
                .set(D.LOCKED_UNTIL, (OffsetDateTime) null)
                .set(D.LAST_ERROR, note == null ? D.LAST_ERROR : org.jooq.impl.DSL.val(note))
                .set(D.UPDATED_AT, utc(now))
                .where(fence(d, workerId))
                .execute() == 1;
    }

    /**
     * Locks up to {@code limit} deliveries whose lease expired (their worker died or hung),
     * returning them as claims of the worker that lost them, so the caller can audit the lost
     * attempt and settle each one in the same transaction.
     */
    public List<LostAttempt> lockExpired(DSLContext tx, int limit, Instant now) {
        var o = WEBHOOK_OUTBOX;
        var e = WEBHOOK_ENDPOINTS;
        return tx.select(D.ID, D.ATTEMPTS, D.RETRY_BASE, D.EVENT_ID, D.EVENT_TYPE, D.ACCOUNT_ID,
                        o.OCCURRED_AT, o.PAYLOAD, e.ID, e.URL, e.SECRET, e.PREVIOUS_SECRET, e.PREVIOUS_SECRET_EXPIRES_AT,
                        e.ENABLED, D.LOCKED_BY, D.LOCKED_UNTIL)
                .from(D).join(o).on(o.ID.eq(D.OUTBOX_ID)).join(e).on(e.ID.eq(D.ENDPOINT_ID))
                .where(D.STATE.eq(IN_FLIGHT)).and(D.LOCKED_UNTIL.lt(utc(now)))
                .orderBy(D.LOCKED_UNTIL)
                .limit(limit)
                .forUpdate().of(D).skipLocked()
                .fetch(r -> new LostAttempt(new ClaimedDelivery(r.value1(), r.value2(), r.value3(), r.value4(),
                        r.value5(), r.value6(), r.value7(), r.value8().data(), r.value9(), r.value10(),
                        r.value11(), r.value12(), r.value13(), r.value14()), r.value15(), r.value16().toInstant()));
    }

    /** A delivery whose worker's lease ran out before it reported the attempt's outcome. */
    public record LostAttempt(ClaimedDelivery delivery, String lostBy, Instant leaseExpiredAt) {
    }

    private static Condition fence(ClaimedDelivery d, String workerId) {
        return D.ID.eq(d.deliveryId())
                .and(D.STATE.eq(IN_FLIGHT))
                .and(D.LOCKED_BY.eq(workerId))
                .and(D.ATTEMPTS.eq(d.attempt()));
    }

    /** PostgreSQL keeps microseconds; truncating here keeps Java's and the database's times equal. */
    static OffsetDateTime utc(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }
}
