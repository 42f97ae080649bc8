package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.operations.DeliveryFilter;
import com.d3.webhooks.operations.DeliveryQueries;
import com.d3.webhooks.operations.DeliverySummary;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "list", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Lists deliveries, newest first.",
        footer = {"", "Examples:",
                "  outbox deliveries list --status failed --since 2h",
                "  outbox deliveries list --endpoint 3 --status pending,in_flight",
                "  outbox deliveries list --event 5f0c2a9e-8d3b-4f8e-9a51-2b7c1d4e6f80",
                "  outbox deliveries list --account acct_42 --type fileTask.completed --limit 500 --json"})
final class DeliveriesListCommand implements Callable<Integer> {

    static final int MAX_LIMIT = 10_000;

    @Mixin
    DatabaseOptions database;

    @Mixin
    DeliverySelection selection;

    @Spec
    CommandSpec spec;

    @Option(names = "--status", split = ",", paramLabel = "STATE",
            description = "Only these states: pending, in_flight, succeeded, failed (comma-separated); default all.")
    List<String> states;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many rows (1 to 10000).")
    int limit;

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    public Integer call() {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new UsageException("--limit must be 1 to " + MAX_LIMIT + " (got " + limit + ")");
        }
        DeliveryFilter filter = selection.filter(List.of(), states);
        List<DeliverySummary> rows;
        try (Database db = database.open(1)) {
            rows = new DeliveryQueries(db.dsl()).list(filter, limit);
        }
        if (json) {
            Json.print(spec.commandLine().getOut(), rows);
            return Main.OK;
        }
        print(rows, spec);
        if (rows.size() == limit) {
            spec.commandLine().getErr().println("(the newest " + limit + "; more may match: raise --limit or narrow "
                    + "the selection)");
        }
        return Main.OK;
    }

    static void print(List<DeliverySummary> rows, CommandSpec spec) {
        TablePrinter t = new TablePrinter("ID", "CREATED", "EVENT TYPE", "ACCOUNT", "ENDPOINT", "STATE", "ATTEMPTS",
                "NEXT ATTEMPT", "LAST HTTP", "LAST ERROR");
        for (DeliverySummary d : rows) {
            t.row(d.id(), Times.format(d.createdAt()), d.eventType(), d.accountId(), d.endpointId(), d.state(),
                    d.attempts(), d.state().equals("pending") ? Times.format(d.nextAttemptAt()) : null,
                    d.lastStatus(), Text.excerpt(d.lastError(), 60));
        }
        t.print(spec.commandLine().getOut());
    }
}
