package com.d3.webhooks.cli;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.db.Database;
import com.d3.webhooks.operations.Prune;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Deletes history older than the retention window: audit rows, deliveries that succeeded, "
                + "were skipped or failed for good, and outbox events with no delivery left (or rejected, or "
                + "with no endpoint). Never a waiting, pending or in-flight delivery, nor an event not routed yet.",
                "A failed delivery that blocks an ordered key (endpoint with --on-exhausted block) is not "
                        + "finished: it stays, with its event, until an operator replays or skips it; prune says "
                        + "how many such keys it left ('outbox deliveries list --blocked' lists them).",
                "The audit log is partitioned by day (UTC): days entirely before the cutoff are dropped whole; "
                        + "rows of the day that straddles the cutoff (and of the DEFAULT partition) are deleted. "
                        + "Run it just after 00:00 UTC and almost nothing is deleted row by row.",
                "Runs in batches of one short statement each with a pause between them, so it holds no long "
                        + "locks and autovacuum keeps up; safe while workers run, and safe to stop and run again. "
                        + "Run it daily, e.g. from cron."},
        footer = {"", "Examples:",
                "  outbox prune --dry-run",
                "  outbox prune --older-than 30d",
                "  outbox prune --older-than 90d --batch-size 5000 --pause 10ms"})
final class PruneCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Option(names = "--older-than", defaultValue = Prune.DEFAULT_RETENTION_TEXT,
            converter = Converters.DurationConverter.class, paramLabel = "DURATION",
            description = "Retention: keep this much history (at least 1h; default " + Prune.DEFAULT_RETENTION_TEXT
                    + ": failures stay replayable and attempts inspectable that long).")
    Duration olderThan;

    @Option(names = "--dry-run", description = "Count what would be deleted; delete nothing.")
    boolean dryRun;

    @Option(names = "--batch-size", defaultValue = "" + Prune.DEFAULT_BATCH_SIZE,
            description = "Rows per statement (1 to " + Prune.MAX_BATCH_SIZE + ").")
    int batchSize;

    @Option(names = "--pause", defaultValue = Prune.DEFAULT_PAUSE_TEXT, converter = Converters.DurationConverter.class,
            description = "Wait between batches.")
    Duration pause;

    @Option(names = "--json", description = "Print the counts as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        if (olderThan.compareTo(Prune.MIN_RETENTION) < 0) {
            throw new UsageException("--older-than must be at least 1h (got " + Durations.format(olderThan) + ")");
        }
        if (batchSize < 1 || batchSize > Prune.MAX_BATCH_SIZE) {
            throw new UsageException("--batch-size must be 1 to " + Prune.MAX_BATCH_SIZE + " (got " + batchSize + ")");
        }
        Instant cutoff = Clock.systemUTC().instant().minus(olderThan);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Prune.Counts counts;
        try (Database db = database.open(1)) {
            Prune prune = new Prune(db.dsl());
            counts = dryRun ? prune.plan(cutoff) : prune.run(cutoff, batchSize, pause, new Prune.Progress() {
                @Override
                public void deleted(String table, long soFar) {
                    err.println("prune: " + soFar + " rows deleted from " + table);
                    err.flush();
                }

                @Override
                public void droppedPartition(String partition, long rows) {
                    err.println("prune: dropped audit partition " + partition + " (" + rows + " rows)");
                }
            });
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("dryRun", dryRun);
            doc.put("cutoff", cutoff);
            doc.put("auditRows", counts.auditRows());
            doc.put("auditPartitions", counts.auditPartitions());
            doc.put("deliveries", counts.deliveries());
            doc.put("outboxRows", counts.outboxRows());
            doc.put("blockedKeysLeft", counts.blockedKeysLeft());
            Json.print(out, doc);
        } else {
            out.println((dryRun ? "would delete " : "deleted ") + counts.auditRows() + " audit rows"
                    + (counts.auditPartitions() > 0 ? " (" + counts.auditPartitions() + " whole daily partitions "
                    + (dryRun ? "to drop" : "dropped") + ")" : "") + ", "
                    + counts.deliveries() + " deliveries and " + counts.outboxRows() + " outbox rows older than "
                    + Times.format(cutoff) + (dryRun ? " (dry run: nothing changed)" : ""));
            if (counts.blockedKeysLeft() > 0) {
                long n = counts.blockedKeysLeft();
                out.println((dryRun ? "would leave " : "left ") + n + " blocked ordered key" + (n == 1 ? "" : "s")
                        + " whose failed delivery is older than the cutoff: not finished until replayed or "
                        + "skipped; see them with 'outbox deliveries list --blocked'");
            }
            out.flush();
        }
        return Main.OK;
    }
}
