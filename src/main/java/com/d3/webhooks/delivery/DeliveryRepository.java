package com.d3.webhooks.delivery;

import com.d3.webhooks.db.DbTime;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectField;
import org.jooq.Table;

/**
 * The delivery state machine's statements, one method each. Every write after the claim is
 * fenced on (state = in_flight, locked_by, attempts): if another worker took the delivery over
 * after a lease expiry, the write matches no row and the caller logs it.
 */
public final class DeliveryRepository {

    static final String WAITING = "waiting";
    static final String PENDING = "pending";
    static final String IN_FLIGHT = "in_flight";
    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";
    static final String SKIPPED = "skipped";

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
        OffsetDateTime at = DbTime.utc(now);
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
                .set(D.LOCKED_UNTIL, DbTime.utc(now.plus(lease)))
                .set(D.ATTEMPTS, D.ATTEMPTS.plus(1))
                .set(D.UPDATED_AT, at)
                .from(due, o, e)
                .where(D.ID.eq(dueId)).and(o.ID.eq(D.OUTBOX_ID)).and(e.ID.eq(D.ENDPOINT_ID))
                .returningResult(CLAIM_FIELDS)
                .fetch(DeliveryRepository::toClaim);
    }

    /**
     * Whether a delivery is pending and due by {@code at}: --exit-when-idle waits for those, so
     * deliveries given back a moment ago for a busy endpoint are not left behind.
     */
    public boolean anyDueBy(Instant at) {
        return dsl.fetchExists(D, D.STATE.eq(PENDING).and(D.NEXT_ATTEMPT_AT.le(DbTime.utc(at))));
    }

    /**
     * The new state of one attempted delivery: succeeded, pending again at {@code nextAttemptAt},
     * or failed for good.
     */
    public record Settlement(long deliveryId, int attempt, String state, Instant nextAttemptAt, Integer status,
                             String error) {
    }

    /**
     * Applies a batch of settlements in one statement, each fenced on (in_flight, owner, attempt).
     * Returns the ids it applied; a missing id means another worker owns that delivery now.
     */
    public Set<Long> settle(DSLContext tx, String owner, List<Settlement> batch, Instant now) {
        if (batch.isEmpty()) {
            return Set.of();
        }
        int n = batch.size();
        Long[] ids = new Long[n];
        Integer[] attempts = new Integer[n];
        String[] states = new String[n];
        OffsetDateTime[] nextAt = new OffsetDateTime[n];
        Integer[] statuses = new Integer[n];
        String[] errors = new String[n];
        for (int i = 0; i < n; i++) {
            Settlement s = batch.get(i);
            ids[i] = s.deliveryId();
            attempts[i] = s.attempt();
            states[i] = s.state();
            nextAt[i] = s.nextAttemptAt() == null ? null : DbTime.utc(s.nextAttemptAt());
            statuses[i] = s.status();
            errors[i] = s.error();
        }
        return new HashSet<>(tx.resultQuery("""
                        UPDATE webhook_deliveries d
                           SET state = v.state,
                               next_attempt_at = coalesce(v.next_at, d.next_attempt_at),
                               locked_by = NULL,
                               locked_until = NULL,
                               last_status = v.status,
                               last_error = v.error,
                               updated_at = {0},
                               completed_at = CASE WHEN v.state = 'pending' THEN NULL ELSE {0} END
                          FROM unnest({1}, {2}, {3}, {4}, {5}, {6}) AS v(id, attempt, state, next_at, status, error)
                         WHERE d.id = v.id
                           AND d.state = 'in_flight'
                           AND d.locked_by = {7}
                           AND d.attempts = v.attempt
                        RETURNING d.id""",
                        val(DbTime.utc(now)), val(ids), val(attempts), val(states), val(nextAt), val(statuses), val(errors),
                        val(owner))
                .fetch(0, Long.class));
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
                .set(D.NEXT_ATTEMPT_AT, DbTime.utc(dueAt))
                .set(D.LOCKED_BY, (String) null)
                .set(D.LOCKED_UNTIL, (OffsetDateTime) null)
                .set(D.LAST_ERROR, note == null ? D.LAST_ERROR : org.jooq.impl.DSL.val(note))
                .set(D.UPDATED_AT, DbTime.utc(now))
                .where(fence(d, workerId))
                .execute() == 1;
    }

    /** A claimed delivery to give back unsent, due again at {@code dueAt}. */
    public record Return(long deliveryId, int attempt, Instant dueAt) {
    }

    /**
     * Fenced, one statement for many: gives claimed deliveries back without an attempt, as
     * {@link #release} does with a null note (the attempt count restored, the last error kept).
     * For the deliveries a breaker or rate limit holds back, which can be most of a claim batch.
     * Returns the ids it released; a missing id means another worker owns that delivery now.
     */
    public Set<Long> releaseAll(DSLContext tx, String workerId, List<Return> batch, Instant now) {
        if (batch.isEmpty()) {
            return Set.of();
        }
        int n = batch.size();
        Long[] ids = new Long[n];
        Integer[] attempts = new Integer[n];
        String[] dueAt = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = batch.get(i).deliveryId();
            attempts[i] = batch.get(i).attempt();
            dueAt[i] = DbTime.utc(batch.get(i).dueAt()).toString();
        }
        OffsetDateTime at = DbTime.utc(now);
        return tx.connectionResult(c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement(RELEASE_ALL_SQL)) {
                ps.setObject(1, at);
                ps.setArray(2, c.createArrayOf("bigint", ids));
                ps.setArray(3, c.createArrayOf("integer", attempts));
                ps.setArray(4, c.createArrayOf("text", dueAt));
                ps.setString(5, workerId);
                Set<Long> released = new HashSet<>();
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        released.add(rs.getLong(1));
                    }
                }
                return released;
            }
        });
    }

    /** Plain SQL over JDBC: it runs for every recorder batch with held-back deliveries. */
    private static final String RELEASE_ALL_SQL = """
            UPDATE webhook_deliveries d
               SET state = 'pending',
                   attempts = d.attempts - 1,
                   next_attempt_at = v.due_at,
                   locked_by = NULL,
                   locked_until = NULL,
                   updated_at = ?
              FROM unnest(?::bigint[], ?::int[], ?::timestamptz[]) AS v(id, attempt, due_at)
             WHERE d.id = v.id
               AND d.state = 'in_flight'
               AND d.locked_by = ?
               AND d.attempts = v.attempt
            RETURNING d.id""";

    /**
     * An operator's decision to give up on a failed delivery: it becomes skipped (audited), and
     * when it blocked an ordered key, the next delivery of that key goes. Returns false, changing
     * nothing, when the delivery is not failed.
     */
    public boolean skip(long deliveryId, String operator, String reason, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            var skipped = tx.update(D)
                    .set(D.STATE, SKIPPED)
                    .set(D.UPDATED_AT, DbTime.utc(now))
                    .set(D.COMPLETED_AT, DbTime.utc(now))
                    .where(D.ID.eq(deliveryId)).and(D.STATE.eq(FAILED))
                    .returning(D.ENDPOINT_ID, D.ORDERING_KEY, D.ATTEMPTS)
                    .fetchOptional();
            if (skipped.isEmpty()) {
                return false;
            }
            tx.execute("""
                    INSERT INTO webhook_audit_logs (delivery_id, event_id, endpoint_id, account_id, event_type,
                           target_url, payload, attempt_number, status, error_message, duration_ms, worker_id, sent_at)
                    SELECT d.id, d.event_id, d.endpoint_id, d.account_id, d.event_type, e.url, '', d.attempts,
                           'skipped', {1}, 0, {2}, {3}
                      FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                     WHERE d.id = {0}""",
                    val(deliveryId), val("skipped by " + operator + (reason == null ? "" : ": " + reason)),
                    val(operator), val(DbTime.utc(now)));
            String key = skipped.get().getOrderingKey();
            if (key != null) {
                OrderedKeys.promoteHeads(tx, List.of(new OrderedKeys.Key(skipped.get().getEndpointId(), key)), now);
            }
            return true;
        });
    }

    /**
     * Locks up to {@code limit} deliveries whose lease expired (their worker died or hung),
     * returning them as claims of the worker that lost them, so the caller can audit the lost
     * attempt and settle each one in the same transaction.
     */
    public List<LostAttempt> lockExpired(DSLContext tx, int limit, Instant now) {
        var o = WEBHOOK_OUTBOX;
        var e = WEBHOOK_ENDPOINTS;
        List<SelectField<?>> fields = new ArrayList<>(CLAIM_FIELDS);
        fields.add(D.LOCKED_BY);
        fields.add(D.LOCKED_UNTIL);
        return tx.select(fields)
                .from(D).join(o).on(o.ID.eq(D.OUTBOX_ID)).join(e).on(e.ID.eq(D.ENDPOINT_ID))
                .where(D.STATE.eq(IN_FLIGHT)).and(D.LOCKED_UNTIL.lt(DbTime.utc(now)))
                .orderBy(D.LOCKED_UNTIL)
                .limit(limit)
                .forUpdate().of(D).skipLocked()
                .fetch(r -> new LostAttempt(toClaim(r), r.get(D.LOCKED_BY), r.get(D.LOCKED_UNTIL).toInstant()));
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

    /** What a claim reads: the delivery, its event and its endpoint. */
    private static final List<SelectField<?>> CLAIM_FIELDS = List.of(D.ID, D.OUTBOX_ID, D.ORDERING_KEY, D.ATTEMPTS,
            D.RETRY_BASE, D.EVENT_ID, D.EVENT_TYPE, D.ACCOUNT_ID, WEBHOOK_OUTBOX.OCCURRED_AT, WEBHOOK_OUTBOX.PAYLOAD,
            WEBHOOK_ENDPOINTS.ID, WEBHOOK_ENDPOINTS.URL, WEBHOOK_ENDPOINTS.SECRET, WEBHOOK_ENDPOINTS.PREVIOUS_SECRET,
            WEBHOOK_ENDPOINTS.PREVIOUS_SECRET_EXPIRES_AT, WEBHOOK_ENDPOINTS.ENABLED);

    private static ClaimedDelivery toClaim(Record r) {
        return new ClaimedDelivery(r.get(D.ID), r.get(D.OUTBOX_ID), r.get(D.ORDERING_KEY), r.get(D.ATTEMPTS),
                r.get(D.RETRY_BASE), r.get(D.EVENT_ID), r.get(D.EVENT_TYPE), r.get(D.ACCOUNT_ID),
                r.get(WEBHOOK_OUTBOX.OCCURRED_AT), r.get(WEBHOOK_OUTBOX.PAYLOAD).data(), r.get(WEBHOOK_ENDPOINTS.ID),
                r.get(WEBHOOK_ENDPOINTS.URL), r.get(WEBHOOK_ENDPOINTS.SECRET), r.get(WEBHOOK_ENDPOINTS.PREVIOUS_SECRET),
                r.get(WEBHOOK_ENDPOINTS.PREVIOUS_SECRET_EXPIRES_AT), r.get(WEBHOOK_ENDPOINTS.ENABLED));
    }

}
