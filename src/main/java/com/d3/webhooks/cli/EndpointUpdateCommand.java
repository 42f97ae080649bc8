package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.Endpoint;
import com.d3.webhooks.endpoints.EndpointChanges;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.OnExhausted;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "update", mixinStandardHelpOptions = true,
        description = {"Changes an endpoint's URL, event types or description; what is not given stays.",
                "Deliveries not yet attempted go to the new URL; earlier attempts keep the URL they used in "
                        + "the audit log."},
        footer = {"", "Examples:",
                "  outbox endpoints update 3 --url https://example.com/v2/hooks",
                "  outbox endpoints update 3 --event-types operation.completed,operation.failed",
                "  outbox endpoints update 3 --event-types all",
                "  outbox endpoints update 3 --ordered true --on-exhausted skip"})
final class EndpointUpdateCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The endpoint's id.")
    long id;

    @Option(names = "--url", description = "New absolute http(s) URL; https is recommended.")
    String url;

    @Option(names = "--event-types", split = ",", paramLabel = "TYPE",
            description = "Only these event types (comma-separated), or 'all' for every type.")
    List<String> eventTypes;

    @Option(names = "--description", description = "New note for operators ('' clears it).")
    String description;

    @Option(names = "--ordered", paramLabel = "true|false", arity = "1",
            description = "Deliver events with the same ordering key one at a time, in outbox order. 'false' "
                    + "lets every waiting delivery of the endpoint go at once.")
    Boolean ordered;

    @Option(names = "--on-exhausted", paramLabel = "block|skip",
            description = "Ordered endpoints: when a delivery fails for good, 'block' holds its key's later "
                    + "deliveries until an operator replays or skips it; 'skip' leaves it failed (audited, "
                    + "replayable) and lets the key move on. Switching to skip releases the keys blocked now.")
    String onExhausted;

    @Option(names = "--json", description = "Print the updated endpoint as JSON.")
    boolean json;

    @Override
    public Integer call() {
        EndpointChanges changes;
        OnExhausted policy;
        try {
            List<String> types = eventTypes == null ? null
                    : eventTypes.size() == 1 && eventTypes.get(0).equals("all") ? List.of() : eventTypes;
            boolean orderingOnly = url == null && types == null && description == null
                    && (ordered != null || onExhausted != null);
            changes = orderingOnly ? null : new EndpointChanges(url, types, description);
            policy = onExhausted == null ? null : OnExhausted.parse(onExhausted);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        for (String warning : changes == null ? List.<String>of() : changes.warnings()) {
            spec.commandLine().getErr().println("warning: " + warning);
        }
        Endpoint updated;
        try (Database db = database.open(1)) {
            EndpointRepository endpoints = new EndpointRepository(db.dsl());
            if (changes != null ? !endpoints.update(id, changes, Clock.systemUTC().instant())
                    : endpoints.find(id).isEmpty()) {
                throw EndpointCommands.notFound(id);
            }
            if (ordered != null) {
                endpoints.setOrdered(id, ordered);
            }
            if (policy != null) {
                endpoints.setOnExhausted(id, policy, Clock.systemUTC().instant());
            }
            updated = EndpointCommands.require(endpoints.find(id), id);
        }
        if (json) {
            Json.print(spec.commandLine().getOut(), updated);
        } else {
            spec.commandLine().getOut().println("endpoint " + id + " updated: " + updated.url() + ", event types "
                    + (updated.eventTypes().isEmpty() ? "all" : String.join(",", updated.eventTypes()))
                    + (updated.ordered() ? ", ordered (on exhausted: " + updated.onExhausted().value() + ")" : ""));
        }
        return Main.OK;
    }
}
