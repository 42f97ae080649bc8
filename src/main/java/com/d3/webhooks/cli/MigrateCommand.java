package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import java.util.concurrent.Callable;
import org.flywaydb.core.api.output.MigrateResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Creates or upgrades the outbox schema (safe to run again; applies only what is missing).",
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
        }
        return Main.OK;
    }
}
