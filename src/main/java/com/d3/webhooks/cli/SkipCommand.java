package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.operations.Skip;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "skip", mixinStandardHelpOptions = true,
        description = {"Gives up on failed deliveries: each becomes 'skipped' (recorded in the audit log) and, "
                + "on an ordered endpoint, the next delivery of its ordering key goes. Only failed deliveries "
                + "can be skipped; running it again changes nothing."},
        footer = {"", "Example:", "  outbox skip --delivery 4211 --reason 'customer re-sent the file'",
                "", "Exit codes: 0 all skipped, 1 some were not failed (nothing done for them), 2 usage error."})
final class SkipCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Option(names = "--delivery", required = true, split = ",", paramLabel = "ID",
            description = "Delivery ids (repeat or comma-separate).")
    List<Long> deliveries;

    @Option(names = "--reason", description = "Why; kept in the audit log.")
    String reason;

    @Option(names = "--operator", defaultValue = "${env:USER:-operator}",
            description = "Who; kept in the audit log (default: $USER).")
    String operator;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        Map<Long, Boolean> skipped = new LinkedHashMap<>();
        try (Database db = database.open(1)) {
            Skip skip = new Skip(db.dsl());
            for (long id : deliveries) {
                skipped.put(id, skip.skip(id, operator, reason, Instant.now()));
            }
        }
        if (json) {
            Json.print(spec.commandLine().getOut(), Map.of(
                    "skipped", skipped.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList(),
                    "not_failed", skipped.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey)
                            .toList()));
        } else {
            skipped.forEach((id, done) -> spec.commandLine().getOut().println(done
                    ? "delivery " + id + " skipped"
                    : "delivery " + id + " not skipped: it is not failed (or does not exist)"));
        }
        return skipped.containsValue(false) ? Main.FAILURE : Main.OK;
    }
}
