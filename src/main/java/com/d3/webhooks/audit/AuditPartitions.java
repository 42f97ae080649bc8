package com.d3.webhooks.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily partitions of webhook_audit_logs (migrations/V10): makes them ahead of time, lists
 * them, and drops one that lies entirely before a cutoff. The work is done by the migration's
 * SECURITY DEFINER functions, so the worker and operator roles, which do not own the table, can
 * call them; both take the same advisory lock, so any number of callers may run at once.
 */
public final class AuditPartitions {

    /** Days made ahead of today: a week without any upkeep before rows go to DEFAULT. */
    public static final int DEFAULT_DAYS_AHEAD = 7;
    /** How often a running worker makes partitions ahead. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);
    public static final String DEFAULT_PARTITION = "webhook_audit_logs_default";

    private static final Logger log = LoggerFactory.getLogger(AuditPartitions.class);

    /** A partition and its range [from, to); null for MINVALUE / MAXVALUE; both null for DEFAULT. */
    public record Partition(String name, Instant from, Instant to, boolean isDefault) {
        /** Whether every row it can hold was sent before {@code cutoff}. */
        public boolean entirelyBefore(Instant cutoff) {
            return !isDefault && to != null && !to.isAfter(cutoff);
        }
    }

    /** A partition made now, and the rows moved into it from DEFAULT. */
    public record Created(String name, long movedRows) {
    }

    private final DSLContext dsl;

    public AuditPartitions(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Makes sure the days from today (UTC) to {@code daysAhead} days ahead have their partition;
     * returns those it made. Rows of those days found in DEFAULT are moved into the new partition.
     */
    public List<Created> ensure(Instant now, int daysAhead) {
        return ensureDays(now, daysAhead + 1);
    }

    /** Makes sure each UTC day from {@code from}'s for {@code days} days has its partition. */
    public List<Created> ensureDays(Instant from, int days) {
        return dsl.fetch("SELECT partition_name, moved_rows FROM webhook_audit_logs_ensure_partitions(?::timestamptz, ?::integer)",
                        from.atOffset(ZoneOffset.UTC), days)
                .map(r -> new Created(r.get(0, String.class), r.get(1, Long.class)));
    }

    /** Every partition, oldest first (a MINVALUE one and DEFAULT before the daily ones). */
    public List<Partition> list() {
        return dsl.fetch("SELECT partition_name, from_at, to_at, is_default FROM webhook_audit_log_partitions()")
                .map(AuditPartitions::partition);
    }

    /**
     * Drops a partition that lies entirely before {@code cutoff}; returns the rows it held, or
     * empty when it was already gone (a concurrent prune dropped it first). Refused by the database
     * for DEFAULT or a partition reaching past the cutoff; fails after 5 s when the table stays
     * locked by a long read.
     */
    public OptionalLong drop(String name, Instant cutoff) {
        Object rows = dsl.fetchValue("SELECT webhook_audit_logs_drop_partition(?::text, ?::timestamptz)", name,
                cutoff.atOffset(ZoneOffset.UTC));
        return rows instanceof Number n ? OptionalLong.of(n.longValue()) : OptionalLong.empty();
    }

    private static Partition partition(Record r) {
        return new Partition(r.get(0, String.class), instant(r.get(1, OffsetDateTime.class)),
                instant(r.get(2, OffsetDateTime.class)), Boolean.TRUE.equals(r.get(3, Boolean.class)));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /**
     * Runs {@link #ensure} beside a running worker: at once, then every interval. A failed run
     * (the database is away, the table stayed locked, the role may not call the function) is
     * logged and tried again at the next interval; inserts meanwhile go to DEFAULT, never lost.
     */
    public static final class Keeper implements AutoCloseable {

        private final ScheduledExecutorService timer;

        private Keeper(ScheduledExecutorService timer) {
            this.timer = timer;
        }

        public static Keeper start(AuditPartitions partitions, Clock clock, int daysAhead, Duration interval) {
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "outbox-audit-partitions");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(() -> {
                try {
                    for (Created c : partitions.ensure(clock.instant(), daysAhead)) {
                        log.info("audit log partition {} created{}", c.name(),
                                c.movedRows() > 0 ? " (" + c.movedRows() + " rows moved into it from DEFAULT)" : "");
                    }
                } catch (RuntimeException e) {
                    log.warn("making audit log partitions ahead failed ({}); trying again in {} min; "
                            + "meanwhile attempts of days without a partition go to {}", e.getMessage(),
                            interval.toMinutes(), DEFAULT_PARTITION);
                }
            }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
            return new Keeper(timer);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
