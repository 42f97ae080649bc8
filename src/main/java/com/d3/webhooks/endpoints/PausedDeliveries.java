package com.d3.webhooks.endpoints;

import com.d3.webhooks.state.DeliveryState;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.db.DbTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Record2;

/**
 * A disabled endpoint's deliveries are paused (state 'paused', outside the claim index, so they
 * are never claimed and the claim never walks them) and become pending, due at once, when it is
 * enabled again. {@code webhook_endpoints.deliveries_paused} says which was done last; an endpoint
 * whose flag disagrees with {@code enabled} has been disabled or enabled since, by whatever means
 * (the CLI, auto-disable, a dashboard's plain UPDATE), and {@link #reconcile} catches up with it.
 *
 * <p>Both changes take the endpoint's advisory lock exclusively, before any row lock; a worker
 * giving back a delivery of a disabled endpoint takes it shared ({@link #lockShared}), so a
 * delivery it pauses is seen by the next resume, never left paused behind an enabled endpoint.
 */
public final class PausedDeliveries {

    /** The top 16 bits of the endpoints' lock keys, in the single 64-bit advisory key space. */
    private static final long LOCK_TAG = 0x0D32L << 48;

    private PausedDeliveries() {
    }

    /** An endpoint whose deliveries a {@link #reconcile} paused or resumed. */
    public record Change(long endpointId, boolean paused, int deliveries) {
    }

    /**
     * Pauses the deliveries of every endpoint disabled since the last pass and resumes those of
     * every endpoint enabled since, one transaction each. Finding them reads a partial index that
     * is empty when nothing changed.
     */
    public static List<Change> reconcile(DSLContext dsl, Instant now) {
        List<Change> changes = new ArrayList<>();
        var e = WEBHOOK_ENDPOINTS;
        for (Record2<Long, Boolean> changed : dsl.select(e.ID, e.ENABLED).from(e)
                .where(e.ENABLED.eq(e.DELIVERIES_PAUSED)).fetch()) {
            long id = changed.value1();
            boolean enable = changed.value2();
            int n = dsl.transactionResult(cfg -> enable ? resume(cfg.dsl(), id, now) : pause(cfg.dsl(), id, now));
            if (n >= 0) {
                changes.add(new Change(id, !enable, n));
            }
        }
        return changes;
    }

    /**
     * If the endpoint is disabled: records that its deliveries are paused and pauses the pending
     * ones. Returns how many it paused, or -1 (changing nothing) when the endpoint is enabled.
     */
    public static int pause(DSLContext tx, long endpointId, Instant now) {
        lock(tx, endpointId);
        if (tx.update(WEBHOOK_ENDPOINTS).set(WEBHOOK_ENDPOINTS.DELIVERIES_PAUSED, true)
                .where(WEBHOOK_ENDPOINTS.ID.eq(endpointId)).and(WEBHOOK_ENDPOINTS.ENABLED.isFalse()).execute() == 0) {
            return -1;
        }
        var d = WEBHOOK_DELIVERIES;
        return tx.update(d).set(d.STATE, DeliveryState.PAUSED.sql()).set(d.UPDATED_AT, DbTime.utc(now))
                .where(d.ENDPOINT_ID.eq(endpointId)).and(d.STATE.eq(DeliveryState.PENDING.sql())).execute();
    }

    /**
     * If the endpoint is enabled: records that its deliveries are not paused and makes the paused
     * ones pending, due now. Returns how many, or -1 (changing nothing) when it is disabled.
     */
    public static int resume(DSLContext tx, long endpointId, Instant now) {
        lock(tx, endpointId);
        if (tx.update(WEBHOOK_ENDPOINTS).set(WEBHOOK_ENDPOINTS.DELIVERIES_PAUSED, false)
                .where(WEBHOOK_ENDPOINTS.ID.eq(endpointId)).and(WEBHOOK_ENDPOINTS.ENABLED.isTrue()).execute() == 0) {
            return -1;
        }
        var d = WEBHOOK_DELIVERIES;
        return tx.update(d).set(d.STATE, DeliveryState.PENDING.sql()).set(d.NEXT_ATTEMPT_AT, DbTime.utc(now))
                .set(d.UPDATED_AT, DbTime.utc(now))
                .where(d.ENDPOINT_ID.eq(endpointId)).and(d.STATE.eq(DeliveryState.PAUSED.sql())).execute();
    }

    /**
     * The lock of pausing and resuming, until the transaction ends; a transaction that also changes
     * the endpoint's row takes it first, as every other holder does.
     */
    public static void lock(DSLContext tx, long endpointId) {
        tx.fetch("SELECT 1 FROM pg_advisory_xact_lock(?)", LOCK_TAG | endpointId);
    }

    /** For giving back one delivery: a pause or resume of its endpoint waits for this transaction. */
    public static void lockShared(DSLContext tx, long endpointId) {
        tx.fetch("SELECT 1 FROM pg_advisory_xact_lock_shared(?)", LOCK_TAG | endpointId);
    }
}
