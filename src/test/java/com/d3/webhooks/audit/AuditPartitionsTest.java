package com.d3.webhooks.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import com.d3.webhooks.operations.Prune;
import com.d3.webhooks.testing.OldSchema;
import com.d3.webhooks.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit log partitioned by day (migrations/V10): the migration keeps every row, inserts of
 * any time land somewhere, upkeep is idempotent and safe when run concurrently, and prune drops
 * whole days before the cutoff and deletes only the rows of the day that straddles it.
 */
class AuditPartitionsTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final AuditPartitions partitions = new AuditPartitions(dsl);
    private final Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);

    @BeforeEach
    @AfterEach
    void standardPartitions() {
        TestDatabase.get().reset();
        // Back to what the migration leaves: DEFAULT, today and 7 days ahead.
        Instant end = today.plus(Duration.ofDays(AuditPartitions.DEFAULT_DAYS_AHEAD + 1));
        for (AuditPartitions.Partition p : partitions.list()) {
            if (!p.isDefault() && (p.from() == null || p.from().isBefore(today) || !p.from().isBefore(end))) {
                dsl.execute("DROP TABLE " + p.name());
            }
        }
        partitions.ensure(Instant.now(), AuditPartitions.DEFAULT_DAYS_AHEAD);
    }

    @Test
    void theMigrationMovesExistingRowsIntoPartitionsAndKeepsThemAll() {
        String url = OldSchema.justBefore("10");
        try (Database db = Database.open(DatabaseConfig.of(url, null, null).withPoolSize(2))) {
            DSLContext old = db.dsl();
            List<Instant> sentAt = List.of(today.plus(Duration.ofHours(5)), today.minus(Duration.ofDays(10)),
                    today.minus(Duration.ofDays(10)).plusSeconds(1), today.minus(Duration.ofDays(100)),
                    today.plus(Duration.ofDays(30)), Instant.parse("2001-01-01T00:00:00Z"));
            for (Instant t : sentAt) {
                insertAudit(old, "webhook_audit_logs", t);
            }
            old.execute("DELETE FROM webhook_audit_logs WHERE id = 2"); // a gap in the ids stays a gap
            String before = old.fetch("SELECT * FROM webhook_audit_logs ORDER BY id").formatCSV();

            db.migrate();

            assertEquals(before, old.fetch("SELECT * FROM webhook_audit_logs ORDER BY id").formatCSV(),
                    "every row, every column, the same ids");
            assertEquals(List.of(
                            "1 webhook_audit_logs_p" + day(today),
                            "3 webhook_audit_logs_p" + day(today.minus(Duration.ofDays(10))),
                            "4 webhook_audit_logs_before_" + day(today.minus(Duration.ofDays(60))),
                            "5 webhook_audit_logs_default",
                            "6 webhook_audit_logs_before_" + day(today.minus(Duration.ofDays(60)))),
                    old.fetch("SELECT id || ' ' || tableoid::regclass FROM webhook_audit_attempts ORDER BY id")
                            .getValues(0, String.class));
            AuditPartitions migrated = new AuditPartitions(old);
            assertEquals(61 + 7 + 2, migrated.list().size(), "60 days back to 7 ahead, DEFAULT and the one below");
            insertAudit(old, "webhook_audit_attempts", today.plusSeconds(60));
            assertEquals(7L, old.fetchValue("SELECT max(id) FROM webhook_audit_attempts"), "ids continue");
            assertEquals(List.of("webhook_audit_logs_delivery_idx", "webhook_audit_logs_pkey",
                            "webhook_audit_logs_sent_at_idx"),
                    old.fetch("SELECT indexname FROM pg_indexes WHERE tablename = 'webhook_audit_attempts' ORDER BY 1")
                            .getValues(0, String.class));
        }
    }

    @Test
    void attemptsOfAnyTimeLandSomewhereAndAreFoundByDelivery() {
        insertAudit(dsl, Instant.parse("1999-12-31T23:59:59Z"));
        insertAudit(dsl, Instant.parse("2199-01-01T00:00:00Z"));
        insertAudit(dsl, Instant.now());

        assertEquals(List.of(AuditPartitions.DEFAULT_PARTITION, AuditPartitions.DEFAULT_PARTITION,
                        "webhook_audit_logs_p" + day(today)),
                dsl.fetch("SELECT tableoid::regclass::text FROM webhook_audit_attempts ORDER BY id")
                        .getValues(0, String.class));
        assertEquals(3, dsl.fetchCount(dsl.selectFrom("webhook_audit_logs").where("delivery_id = 7")));
    }

    @Test
    void upkeepIsIdempotentAndTwoAtOnceMakeEachPartitionOnce() throws Exception {
        Instant from = today.plus(Duration.ofDays(100));
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<AuditPartitions.Created>>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> {
                    go.await();
                    return partitions.ensureDays(from, 5);
                }));
            }
            go.countDown();
            List<String> made = new ArrayList<>();
            for (var run : runs) {
                run.get().forEach(c -> made.add(c.name()));
            }
            assertEquals(5, made.size(), "each day made by exactly one of the two: " + made);
            assertEquals(5, made.stream().distinct().count());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), partitions.ensureDays(from, 5), "a second run makes nothing");
        assertEquals(List.of(), partitions.ensure(Instant.now(), AuditPartitions.DEFAULT_DAYS_AHEAD));
    }

    @Test
    void upkeepMovesRowsThatLandedInDefaultIntoTheNewPartition() {
        Instant day = today.plus(Duration.ofDays(50));
        insertAudit(dsl, day.plus(Duration.ofHours(1)));
        insertAudit(dsl, day.plus(Duration.ofHours(23)));
        insertAudit(dsl, day.plus(Duration.ofDays(1)));   // the next day: stays in DEFAULT

        assertEquals(List.of(new AuditPartitions.Created("webhook_audit_logs_p" + day(day), 2)),
                partitions.ensureDays(day, 1));

        assertEquals(List.of("webhook_audit_logs_p" + day(day), "webhook_audit_logs_p" + day(day),
                        AuditPartitions.DEFAULT_PARTITION),
                dsl.fetch("SELECT tableoid::regclass::text FROM webhook_audit_attempts ORDER BY id")
                        .getValues(0, String.class));
        insertAudit(dsl, day.plus(Duration.ofHours(2)));
        assertEquals(3, dsl.fetchCount(dsl.selectFrom("webhook_audit_logs_p" + day(day))), "and new rows go there");
    }

    @Test
    void pruneDropsWholeDaysBeforeTheCutoffAndDeletesTheStraddlingDayRowByRow() throws Exception {
        Instant cutoffDay = today.minus(Duration.ofDays(30));
        Instant cutoff = cutoffDay.plus(Duration.ofHours(12));
        partitions.ensureDays(cutoffDay.minus(Duration.ofDays(5)), 7); // 5 days entirely before, the cutoff's, one after
        insertAudit(dsl, cutoffDay.minus(Duration.ofDays(5)));
        insertAudit(dsl, cutoffDay.minus(Duration.ofDays(3)).plusSeconds(10));
        insertAudit(dsl, cutoffDay.minus(Duration.ofDays(3)).plusSeconds(20));
        insertAudit(dsl, cutoff.minus(Duration.ofHours(1)));             // straddling day, before the cutoff
        insertAudit(dsl, cutoff.plus(Duration.ofHours(1)));              // straddling day, after: stays
        insertAudit(dsl, Instant.parse("2001-01-01T00:00:00Z"));         // DEFAULT, old
        insertAudit(dsl, cutoffDay.plus(Duration.ofDays(1)));            // stays
        insertAudit(dsl, Instant.now());                                 // stays
        List<AuditPartitions.Partition> layout = partitions.list();
        String rows = dsl.fetch("SELECT * FROM webhook_audit_logs ORDER BY id").formatCSV();

        Prune prune = new Prune(dsl);
        Prune.Counts plan = prune.plan(cutoff);
        assertEquals(layout, partitions.list(), "a dry run drops nothing");
        assertEquals(rows, dsl.fetch("SELECT * FROM webhook_audit_logs ORDER BY id").formatCSV(),
                "a dry run deletes nothing");

        List<String> progress = new ArrayList<>();
        Prune.Counts done = prune.run(cutoff, 1, Duration.ZERO, new Prune.Progress() {
            @Override
            public void deleted(String table, long soFar) {
                progress.add(table + " " + soFar);
            }

            @Override
            public void droppedPartition(String partition, long n) {
                progress.add("dropped " + partition + " " + n);
            }
        });

        assertEquals(new Prune.Counts(5, 0, 0, 5), done, "5 rows, 3 of them by dropping 5 days");
        assertEquals(done, plan, "the plan counts what the run does");
        List<String> expected = new ArrayList<>();
        long soFar = 0;
        for (int d = 5; d >= 1; d--) {
            long n = d == 5 ? 1 : d == 3 ? 2 : 0;
            soFar += n;
            expected.add("dropped webhook_audit_logs_p" + day(cutoffDay.minus(Duration.ofDays(d))) + " " + n);
            expected.add("webhook_audit_logs " + soFar);
        }
        expected.add("webhook_audit_logs 4");
        expected.add("webhook_audit_logs 5");
        assertEquals(expected, progress, "drops first, then one row per batch with --batch-size 1");
        assertEquals(List.of(cutoff.plus(Duration.ofHours(1)), cutoffDay.plus(Duration.ofDays(1))),
                dsl.fetch("SELECT sent_at FROM webhook_audit_logs WHERE sent_at < now() - interval '1 day' "
                        + "ORDER BY id").getValues(0, java.time.OffsetDateTime.class).stream()
                        .map(java.time.OffsetDateTime::toInstant).toList());
        assertFalse(partitions.list().stream().anyMatch(p -> p.entirelyBefore(cutoff)));
        assertTrue(partitions.list().stream().anyMatch(p -> p.name().equals("webhook_audit_logs_p" + day(cutoffDay))),
                "the straddling day stays");
        assertEquals(new Prune.Counts(0, 0, 0, 0), prune.run(cutoff, 100, Duration.ZERO, (t, n) -> { }),
                "a second run finds nothing");
    }

    @Test
    void whenALongReadHoldsTheTablePruneDeletesTheDaysRowsInsteadOfDroppingIt() throws Exception {
        Instant cutoff = today.minus(Duration.ofDays(30));
        Instant day = cutoff.minus(Duration.ofDays(2));
        partitions.ensureDays(day, 1);
        insertAudit(dsl, day.plusSeconds(5));
        insertAudit(dsl, day.plusSeconds(6));
        try (var reader = TestDatabase.get().database().dataSource().getConnection()) {
            reader.setAutoCommit(false);
            reader.createStatement().execute("LOCK TABLE webhook_audit_logs IN ACCESS SHARE MODE"); // a long SELECT

            Prune.Counts done = new Prune(dsl).run(cutoff, 1000, Duration.ZERO, (t, n) -> { });

            assertEquals(new Prune.Counts(2, 0, 0, 0), done, "after the drop's 5 s lock timeout, deleted in batches");
            reader.rollback();
        }
        assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_audit_logs")));
        assertTrue(partitions.list().stream().anyMatch(p -> p.name().equals("webhook_audit_logs_p" + day(day))),
                "the emptied partition is dropped by the next prune");
        assertEquals(new Prune.Counts(0, 0, 0, 1), new Prune(dsl).run(cutoff, 1000, Duration.ZERO, (t, n) -> { }));
    }

    @Test
    void theDatabaseRefusesToDropAPartitionThatReachesPastTheCutoff() {
        String name = "webhook_audit_logs_p" + day(today);
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.jooq.exception.DataAccessException.class,
                () -> partitions.drop(name, today.plus(Duration.ofHours(12))));
        assertTrue(e.getMessage().contains("is not entirely before"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(org.jooq.exception.DataAccessException.class,
                () -> partitions.drop(AuditPartitions.DEFAULT_PARTITION, today.plus(Duration.ofDays(1000))));
        assertEquals(java.util.OptionalLong.empty(), partitions.drop("webhook_audit_logs_p19990101", today),
                "one already gone: nothing to do");
    }

    private static void insertAudit(DSLContext dsl, Instant sentAt) {
        insertAudit(dsl, "webhook_audit_attempts", sentAt);
    }

    /** An attempt with a payload of its own, into the table of that name (webhook_audit_logs before V21). */
    private static void insertAudit(DSLContext dsl, String table, Instant sentAt) {
        dsl.execute("""
                INSERT INTO %s (delivery_id, event_id, endpoint_id, account_id, event_type, target_url,
                       payload, attempt_number, status, response_status, duration_ms, worker_id, sent_at)
                VALUES (7, gen_random_uuid(), 1, 'acct_1', 'fileTask.completed', 'https://example.com/hook', '{}', 1,
                        'success', 200, 12, 'w-1', ?::timestamptz)""".formatted(table), sentAt.atOffset(ZoneOffset.UTC));
    }

    private static String day(Instant t) {
        return t.atOffset(ZoneOffset.UTC).toLocalDate().toString().replace("-", "");
    }
}
