package com.d3.webhooks.operations;

import com.d3.webhooks.db.DbTime;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.state.DeliveryState;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Makes selected deliveries due now with a fresh retry budget ({@code outbox replay}).
 * <p>
 * Safe while workers run: a delivery in flight is never selected; each batch is one short
 * statement that locks its rows with SKIP LOCKED (rows a worker or another operator holds at
 * that instant are passed over, never waited for) and re-checks their state under the lock.
 * Earlier attempts stay in the audit log; the attempt numbering continues (retry_base = attempts
 * starts a new budget), so a replayed delivery's next attempt is attempt attempts+1, the first
 * of its budget. Running the same replay again finds nothing left to do.
 */
public final class Replay {

    public static final int DEFAULT_BATCH_SIZE = 1000;
    public static final int MAX_BATCH_SIZE = 10_000;
    /** The states a replay may take a delivery from; in_flight never. */
    public static final Set<DeliveryState> REPLAYABLE =
            EnumSet.of(DeliveryState.FAILED, DeliveryState.PENDING, DeliveryState.SUCCEEDED);

    private static final com.d3.webhooks.db.schema.tables.WebhookDeliveries D = WEBHOOK_DELIVERIES;

    private final DSLContext dsl;

    public Replay(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** How many deliveries the filter selects now. */
    public long count(DeliveryFilter filter) {
        checkStates(filter);
        return dsl.fetchCount(D, filter.condition());
    }

    /** The first {@code limit} deliveries a replay would take, in the order it takes them. */
    public List<DeliverySummary> preview(DeliveryFilter filter, int limit) {
        checkStates(filter);
        return dsl.selectFrom(D).where(filter.condition()).orderBy(D.ID).limit(limit)
                .fetch(DeliveryQueries::toSummary);
    }

    /** The disabled endpoints among the selected deliveries' (at most 20), by id. */
    public List<Long> disabledEndpoints(DeliveryFilter filter) {
        checkStates(filter);
        var e = WEBHOOK_ENDPOINTS;
        return dsl.selectDistinct(e.ID).from(D).join(e).on(e.ID.eq(D.ENDPOINT_ID))
                .where(filter.condition()).and(e.ENABLED.isFalse())
                .orderBy(e.ID).limit(20)
                .fetch(e.ID);
    }

    /**
     * Replays the next batch after {@code afterId} in id order, in one statement:
     * <pre>
     * UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $now, retry_base = attempts, ...
     *  WHERE id = ANY(ARRAY(SELECT id FROM webhook_deliveries WHERE &lt;filter&gt; AND id &gt; $after
     *                       ORDER BY id LIMIT $batch FOR UPDATE SKIP LOCKED))
     *    AND state IN (&lt;filter's states&gt;)
     * RETURNING id
     * </pre>
     * Returns the ids replayed, ascending; empty when the walk is done.
     */
    public List<Long> replayBatch(DeliveryFilter filter, long afterId, int batchSize, Instant now) {
        checkStates(filter);
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch size must be 1 to " + MAX_BATCH_SIZE + " (got " + batchSize + ")");
        }
        OffsetDateTime at = DbTime.utc(now);
        var batch = DSL.select(D.ID).from(D)
                .where(filter.condition()).and(D.ID.gt(afterId))
                .orderBy(D.ID)
                .limit(batchSize)
                .forUpdate().skipLocked();
        var note = DSL.concat(DSL.inline("replayed by an operator at " + at.toInstant() + " (was "), D.STATE,
                DSL.coalesce(DSL.inline(": ").concat(DSL.left(D.LAST_ERROR, 500)), DSL.inline("")),
                DSL.inline(")"));
        return dsl.update(D)
                .set(D.STATE, DeliveryState.PENDING.sql())
                .set(D.NEXT_ATTEMPT_AT, at)
                .set(D.RETRY_BASE, D.ATTEMPTS)
                .set(D.LAST_ERROR, note)
                .set(D.COMPLETED_AT, (OffsetDateTime) null)
                .set(D.UPDATED_AT, at)
                .where(D.ID.eq(DSL.any(DSL.array(batch))))
                .and(D.STATE.in(filter.states()))
                .returning(D.ID)
                .fetch(D.ID)
                .stream().sorted().toList();
    }

    /**
     * Replays everything the filter selects, batch after batch in id order; {@code progress}
     * hears the running total after each batch. Returns how many were replayed.
     */
    public long run(DeliveryFilter filter, int batchSize, Instant now, LongConsumer progress) {
        long after = 0;
        long total = 0;
        while (true) {
            List<Long> ids = replayBatch(filter, after, batchSize, now);
            if (ids.isEmpty()) {
                return total;
            }
            total += ids.size();
            after = ids.get(ids.size() - 1);
            progress.accept(total);
        }
    }

    private static void checkStates(DeliveryFilter filter) {
        if (filter.states().isEmpty()) {
            throw new IllegalArgumentException("a replay needs the states to take deliveries from (e.g. failed)");
        }
        for (String s : filter.states()) {
            if (!replayable(s)) {
                throw new IllegalArgumentException("deliveries in state " + s + " are being sent now and are never "
                        + "replayed; choose among failed, pending, succeeded");
            }
        }
    }

    /** Whether a replay takes deliveries in {@code state} (as in the state column). */
    public static boolean replayable(String state) {
        return REPLAYABLE.stream().anyMatch(s -> s.sql().equals(state));
    }
}
