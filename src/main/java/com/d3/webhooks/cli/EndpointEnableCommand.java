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

@Command(name = "enable", mixinStandardHelpOptions = true,
        description = {"Delivers to an endpoint again and clears the disabled reason.",
                "Its paused deliveries are due at once, after any delivery that was due before; new events "
                        + "are routed to it from now on."},
        footer = {"", "Example:", "  outbox endpoints enable 3"})
final class EndpointEnableCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The endpoint's id.")
    long id;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        int resumed;
        try (Database db = database.open(1)) {
            resumed = new EndpointRepository(db.dsl()).enable(id, Clock.systemUTC().instant())
                    .orElseThrow(() -> EndpointCommands.notFound(id));
        }
        if (json) {
            Json.print(spec.commandLine().getOut(), Map.of("id", id, "enabled", true, "resumedDeliveries", resumed));
        } else {
            spec.commandLine().getOut().println("endpoint " + id + " enabled; " + resumed
                    + " paused deliveries are due now");
        }
        return Main.OK;
    }
}
