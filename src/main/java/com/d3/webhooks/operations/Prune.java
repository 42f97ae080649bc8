package com.d3.webhooks.operations;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_ATTEMPTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX_UNROUTED;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.selectOne;

import com.d3.webhooks.audit.AuditPartitions;
import com.d3.webhooks.config.Durations;
import com.d3.webhooks.state.DeliveryState;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention ({@code outbox prune}): deletes what is older than a cutoff and finished, in
 * batches of one short statement each, with a pause between batches so autovacuum and the
 * workers keep up. Never deletes a waiting, pending or in-flight delivery, nor a failed one that
 * blocks its ordered key (it is not finished: the key's later deliveries wait for an operator to
 * replay or skip it), nor an outbox event that is not routed yet or still has a delivery.
 * <ol>
 *   <li>audit rows sent before the cutoff (the audit log has no foreign keys): the daily
 *       partitions that lie entirely before it are dropped whole (no dead rows, nothing to
 *       vacuum); the rest, in the partition that straddles the cutoff and in DEFAULT, are deleted
 *       in batches. A partition that cannot be dropped within its lock timeout (a long read holds
 *       the table) is deleted in batches instead;</li>
 *   <li>deliveries that succeeded, were skipped, or failed for good without blocking a key, before
 *       the cutoff;</li>
 *   <li>outbox rows created before the cutoff, routed, and without deliveries left (all pruned,
 *       or the event was rejected or had no endpoint).</li>
 * </ol>
 */
public final class Prune {

    /** The documented retention: 30 days of history, enough to replay a month-old failure. */
    /** The default retention as prune --older-than takes it, and parsed. */
    public static final String DEFAULT_RETENTION_TEXT = "30d";
    public static final Duration DEFAULT_RETENTION = Durations.parse(DEFAULT_RETENTION_TEXT);
    public static final Duration MIN_RETENTION = Duration.ofHours(1);
    public static final int DEFAULT_BATCH_SIZE = 1000;
    public static final int MAX_BATCH_SIZE = 10_000;
    public static final String DEFAULT_PAUSE_TEXT = "50ms";
    public static final Duration DEFAULT_PAUSE = Durations.parse(DEFAULT_PAUSE_TEXT);

    private static final com.d3.webhooks.db.schema.tables.WebhookDeliveries D = WEBHOOK_DELIVERIES;
    private static final com.d3.webhooks.db.schema.tables.WebhookAuditAttempts A = WEBHOOK_AUDIT_ATTEMPTS;
    private static final com.d3.webhooks.db.schema.tables.WebhookOutbox O = WEBHOOK_OUTBOX;
    private static final List<String> FINISHED =
            Arrays.stream(DeliveryState.values()).filter(DeliveryState::finished).map(DeliveryState::sql).toList();

    /**
     * Rows deleted (or, for a plan, that would be) per table; {@code auditPartitions} of the audit
     * rows went by dropping whole partitions; {@code blockedKeysLeft} ordered keys are blocked by a
     * failed delivery older than the cutoff, which stays.
     */
    public record Counts(long auditRows, long deliveries, long outboxRows, long auditPartitions,
                         long blockedKeysLeft) {
        public Counts(long auditRows, long deliveries, long outboxRows, long auditPartitions) {
            this(auditRows, deliveries, outboxRows, auditPartitions, 0);
        }

        public Counts(long auditRows, long deliveries, long outboxRows) {
            this(auditRows, deliveries, outboxRows, 0);
        }

        public long total() {
            return auditRows + deliveries + outboxRows;
        }
    }

    /** Told after each batch: which table, and the running total deleted from it. */
    @FunctionalInterface
    public interface Progress {
        void deleted(String table, long soFar);

        /** Told after a whole audit partition was dropped, before {@link #deleted}. */
        default void droppedPartition(String partition, long rows) {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Prune.class);

    private final DSLContext dsl;
    private final AuditPartitions partitions;

    public Prune(DSLContext dsl) {
        this.dsl = dsl;
        this.partitions = new AuditPartitions(dsl);
    }

    /** What {@link #run} would delete with this cutoff now; deletes nothing. */
    public Counts plan(Instant cutoff) {
        OffsetDateTime before = utc(cutoff);
        long audit = dsl.fetchCount(A, A.SENT_AT.lt(before));
        long droppable = partitions.list().stream().filter(p -> p.entirelyBefore(cutoff)).count();
        long deliveries = dsl.fetchCount(D, finishedBefore(before));
        // Outbox rows whose deliveries would all be gone after step 2.
        long outbox = dsl.fetchCount(O, O.CREATED_AT.lt(before).and(routed())
                .and(notExists(selectOne().from(D).where(D.OUTBOX_ID.eq(O.ID))
                        .and(finishedBefore(before).not()))));
        return new Counts(audit, deliveries, outbox, droppable, blockedKeysBefore(before));
    }

    public Counts run(Instant cutoff, int batchSize, Duration pause, Progress progress) throws InterruptedException {
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch size must be 1 to " + MAX_BATCH_SIZE + " (got " + batchSize + ")");
        }
        OffsetDateTime before = utc(cutoff);
        long audit = 0;
        long dropped = 0;
        for (AuditPartitions.Partition p : partitions.list()) {
            if (!p.entirelyBefore(cutoff)) {
                continue;
            }
            OptionalLong gone;
            try {
                gone = partitions.drop(p.name(), cutoff);
            } catch (DataAccessException e) {
                // Most often a lock timeout behind a long read; the batches below take its rows.
                log.warn("could not drop audit partition {} ({}); deleting its rows in batches instead", p.name(),
                        e.getMessage());
                continue;
            }
            if (gone.isEmpty()) {
                continue; // a concurrent prune dropped it and counts its rows
            }
            long rows = gone.getAsLong();
            audit += rows;
            dropped++;
            progress.droppedPartition(p.name(), rows);
            progress.deleted("webhook_audit_logs", audit);
        }
        for (int n; (n = deleteAuditBatch(before, batchSize)) > 0; ) {
            audit += n;
            progress.deleted("webhook_audit_logs", audit);
            Thread.sleep(pause.toMillis());
        }
        long deliveries = 0;
        for (int n; (n = deleteDeliveryBatch(before, batchSize)) > 0; ) {
            deliveries += n;
            progress.deleted("webhook_deliveries", deliveries);
            Thread.sleep(pause.toMillis());
        }
        long outbox = 0;
        long after = 0;
        for (List<Long> ids; !(ids = deleteOutboxBatch(before, after, batchSize)).isEmpty(); ) {
            outbox += ids.size();
            after = ids.get(ids.size() - 1);
            progress.deleted("webhook_outbox", outbox);
            Thread.sleep(pause.toMillis());
        }
        return new Counts(audit, deliveries, outbox, dropped, blockedKeysBefore(before));
    }

    /**
     * The oldest audit rows before the cutoff, through the sent_at index; after the drops above
     * only the partition straddling the cutoff and DEFAULT hold any (the sent_at condition keeps
     * the DELETE out of the newer partitions).
     */
    int deleteAuditBatch(OffsetDateTime before, int batchSize) {
        var batch = DSL.select(A.ID).from(A).where(A.SENT_AT.lt(before)).orderBy(A.SENT_AT).limit(batchSize);
        return dsl.deleteFrom(A).where(A.SENT_AT.lt(before)).and(A.ID.eq(DSL.any(DSL.array(batch)))).execute();
    }

    /**
     * The oldest finished deliveries before the cutoff, through the completed_at index; rows a
     * concurrent replay or skip holds are skipped, and the state is checked again under the lock.
     */
    int deleteDeliveryBatch(OffsetDateTime before, int batchSize) {
        var batch = DSL.select(D.ID).from(D).where(finishedBefore(before)).orderBy(D.COMPLETED_AT)
                .limit(batchSize).forUpdate().skipLocked();
        return dsl.deleteFrom(D).where(D.ID.eq(DSL.any(DSL.array(batch)))).and(finished()).execute();
    }

    /**
     * Outbox rows before the cutoff that are routed and have no delivery left, walking by id
     * after {@code afterId}; returns the deleted ids ascending. Unrouted rows are never taken:
     * they are work the router has not done yet.
     */
    List<Long> deleteOutboxBatch(OffsetDateTime before, long afterId, int batchSize) {
        var batch = DSL.select(O.ID).from(O)
                .where(O.ID.gt(afterId))
                .and(O.CREATED_AT.lt(before))
                .and(routed())
                .and(notExists(selectOne().from(D).where(D.OUTBOX_ID.eq(O.ID))))
                .orderBy(O.ID)
                .limit(batchSize)
                .forUpdate().skipLocked();
        return dsl.deleteFrom(O).where(O.ID.eq(DSL.any(DSL.array(batch)))).returning(O.ID).fetch(O.ID)
                .stream().sorted().toList();
    }

    /** Ordered keys whose blocking delivery failed before the cutoff: left for an operator. */
    private long blockedKeysBefore(OffsetDateTime before) {
        return dsl.fetchCount(DSL.selectDistinct(D.ENDPOINT_ID, D.ORDERING_KEY).from(D)
                .where(BlockingDeliveries.blockingTheirKey(D)).and(D.COMPLETED_AT.lt(before)));
    }

    /** Taken off the routing queue: routed, rejected, or without an endpoint. */
    private static Condition routed() {
        return notExists(selectOne().from(WEBHOOK_OUTBOX_UNROUTED).where(WEBHOOK_OUTBOX_UNROUTED.OUTBOX_ID.eq(O.ID)));
    }

    private static Condition finished() {
        return D.STATE.in(FINISHED).and(BlockingDeliveries.blockingTheirKey(D).not());
    }

    private static Condition finishedBefore(OffsetDateTime before) {
        return finished().and(D.COMPLETED_AT.lt(before));
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
