package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.operations.DeliveryFilter;
import com.d3.webhooks.operations.DeliveryQueries;
import com.d3.webhooks.operations.DeliverySummary;
import com.d3.webhooks.state.DeliveryState;
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

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 10_000;

    @Mixin
    DatabaseOptions database;

    @Mixin
    DeliverySelection selection;

    @Spec
    CommandSpec spec;

    @Option(names = "--status", split = ",", paramLabel = "STATE",
            description = "Only these states: waiting, pending, paused (endpoint disabled), in_flight, succeeded, "
                    + "failed, skipped "
                    + "(comma-separated); default all.")
    List<String> states;

    @Option(names = "--blocked", description = "Instead: the ordered keys blocked by a failed delivery, with "
            + "how many deliveries wait behind each (unblock with 'outbox replay --delivery ID' or 'outbox skip').")
    boolean blocked;

    @Option(names = "--limit", defaultValue = "" + DEFAULT_LIMIT, description = "At most this many rows (1 to "
            + MAX_LIMIT + ").")
    int limit;

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    public Integer call() {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new UsageException("--limit must be 1 to " + MAX_LIMIT + " (got " + limit + ")");
        }
        if (blocked) {
            return printBlocked();
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

    private int printBlocked() {
        List<DeliveryQueries.BlockedKey> keys;
        try (Database db = database.open(1)) {
            keys = new DeliveryQueries(db.dsl()).blocked(limit);
        }
        if (json) {
            Json.print(spec.commandLine().getOut(), keys);
            return Main.OK;
        }
        TablePrinter t = new TablePrinter("ENDPOINT", "ORDERING KEY", "FAILED DELIVERY", "EVENT TYPE", "FAILED AT",
                "WAITING", "LAST ERROR");
        for (DeliveryQueries.BlockedKey k : keys) {
            t.row(k.endpointId(), k.orderingKey(), k.failedDeliveryId(), k.eventType(), Times.format(k.failedAt()),
                    k.waiting(), Text.excerpt(k.lastError(), 60));
        }
        t.print(spec.commandLine().getOut());
        return Main.OK;
    }

    static void print(List<DeliverySummary> rows, CommandSpec spec) {
        TablePrinter t = new TablePrinter("ID", "CREATED", "EVENT TYPE", "ACCOUNT", "ENDPOINT", "STATE", "ATTEMPTS",
                "NEXT ATTEMPT", "LAST HTTP", "LAST ERROR");
        for (DeliverySummary d : rows) {
            t.row(d.id(), Times.format(d.createdAt()), d.eventType(), d.accountId(), d.endpointId(), d.state(),
                    d.attempts(), nextAttempt(d),
                    d.lastStatus(), Text.excerpt(d.lastError(), 60));
        }
        t.print(spec.commandLine().getOut());
    }

    private static String nextAttempt(DeliverySummary d) {
        return switch (DeliveryState.fromSql(d.state())) {
            case PENDING -> Times.format(d.nextAttemptAt());
            case PAUSED -> "when enabled";
            default -> null;
        };
    }
}
