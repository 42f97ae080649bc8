package com.d3.webhooks.cli;

import com.d3.webhooks.audit.AuditPartitions;
import com.d3.webhooks.db.Database;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import org.flywaydb.core.api.output.MigrateResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Creates or upgrades the outbox schema (safe to run again; applies only what is missing).",
                "Then makes the audit log's daily partitions for today and the next "
                        + AuditPartitions.DEFAULT_DAYS_AHEAD + " days when missing (the worker does it hourly)."},
        footer = {"", "Example:", "  outbox migrate --database-url jdbc:postgresql://127.0.0.1:5432/outbox"})
final class MigrateCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (Database db = database.open(2)) {
            MigrateResult result = db.migrate();
            spec.commandLine().getOut().printf("schema at version %s (%d migration(s) applied now)%n",
                    result.targetSchemaVersion == null ? result.initialSchemaVersion : result.targetSchemaVersion,
                    result.migrationsExecuted);
            // The worker does the same hourly; here it covers a schema migrated long before a worker runs.
            List<AuditPartitions.Created> created = new AuditPartitions(db.dsl())
                    .ensure(Clock.systemUTC().instant(), AuditPartitions.DEFAULT_DAYS_AHEAD);
            spec.commandLine().getOut().printf("audit log partitions: %d day(s) made ahead (today to %d days ahead"
                    + " covered)%n", created.size(), AuditPartitions.DEFAULT_DAYS_AHEAD);
        }
        return Main.OK;
    }
}
