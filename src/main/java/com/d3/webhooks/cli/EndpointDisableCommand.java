package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.EndpointRepository;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "disable", mixinStandardHelpOptions = true,
        description = {"Stops deliveries to an endpoint until it is enabled again.",
                "Its pending deliveries are paused (no attempt is made or counted; 'deliveries list --status "
                        + "paused') until it is enabled; events that occur while it is disabled are not queued "
                        + "for it. Disabling again keeps the first time and records the new reason."},
        footer = {"", "Example:", "  outbox endpoints disable 3 --reason 'customer asked, ticket 1234'"})
final class EndpointDisableCommand implements Callable<Integer> {

    static final String DEFAULT_REASON = "disabled by an operator";

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The endpoint's id.")
    long id;

    @Option(names = "--reason", description = "Why, for the next operator (default: '" + DEFAULT_REASON + "').")
    String reason;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        String why = reason == null || reason.isBlank() ? DEFAULT_REASON : reason.strip();
        if (why.length() > 500) {
            throw new UsageException("--reason is " + why.length() + " characters; at most 500");
        }
        int paused;
        try (Database db = database.open(1)) {
            paused = new EndpointRepository(db.dsl()).disable(id, why, Clock.systemUTC().instant())
                    .orElseThrow(() -> EndpointCommands.notFound(id));
        }
        if (json) {
            Json.print(spec.commandLine().getOut(), Map.of("id", id, "enabled", false, "disabledReason", why,
                    "pausedDeliveries", paused));
        } else {
            spec.commandLine().getOut().println("endpoint " + id + " disabled (" + why + "); " + paused
                    + " pending deliveries paused until 'outbox endpoints enable " + id + "'");
        }
        return Main.OK;
    }
}
