package com.d3.webhooks.cli;

import com.d3.webhooks.clientcert.ClientCertificate;
import com.d3.webhooks.clientcert.ClientCertificateRepository;
import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.Endpoint;
import com.d3.webhooks.endpoints.EndpointChanges;
import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.EndpointHeaderRepository;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.OnExhausted;
import com.d3.webhooks.oauth.OAuth2Repository;
import com.d3.webhooks.secrets.SecretSealer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "update", mixinStandardHelpOptions = true,
        description = {"Changes an endpoint's URL, event types, description, in-flight cap, rate limit, ordering, "
                + "static headers, client certificate, signing or OAuth2 client credentials; what is not given stays.",
                "Deliveries not yet attempted go to the new URL; earlier attempts keep the URL they used in "
                        + "the audit log."},
        footer = {"", "Examples:",
                "  outbox endpoints update 3 --url https://example.com/v2/hooks",
                "  outbox endpoints update 3 --event-types operation.completed,operation.failed",
                "  outbox endpoints update 3 --event-types all",
                "  outbox endpoints update 3 --max-in-flight 2        # a fragile receiver",
                "  outbox endpoints update 3 --max-in-flight default  # the worker's setting again",
                "  outbox endpoints update 3 --rate-limit 10",
                "  outbox endpoints update 3 --rate-limit none",
                "  outbox endpoints update 3 --ordered true --on-exhausted skip",
                "  outbox endpoints update 3 --header-file gateway.headers   # adds or replaces those headers",
                "  outbox endpoints update 3 --remove-header X-Api-Key",
                "  outbox endpoints update 3 --client-cert new.crt --client-key new.key   # rotation: the next "
                        + "attempt presents it",
                "  outbox endpoints update 3 --remove-client-cert",
                "  outbox endpoints update 3 --signing both          # v1 and v1a while receivers switch",
                "  outbox endpoints update 3 --oauth2-client-secret-file new-client.secret   # a rotated client secret",
                "  outbox endpoints update 3 --remove-oauth2"})
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

    @Option(names = "--max-in-flight", paramLabel = "N|default",
            description = "Requests in flight to this endpoint per worker at most, or 'default' for the worker's "
                    + "--max-in-flight-per-endpoint. Workers apply it to the deliveries they claim next.")
    String maxInFlight;

    @Option(names = "--rate-limit", paramLabel = "N|none",
            description = "At most N requests per second to it, from all workers together; 'none' removes the limit.")
    String rateLimit;
    @Option(names = "--ordered", paramLabel = "true|false", arity = "1",
            description = "Deliver events with the same ordering key one at a time, in outbox order. 'false' "
                    + "lets every waiting delivery of the endpoint go at once.")
    Boolean ordered;

    @Option(names = "--on-exhausted", paramLabel = "block|skip",
            description = "Ordered endpoints: when a delivery fails for good, 'block' holds its key's later "
                    + "deliveries until an operator replays or skips it; 'skip' leaves it failed (audited, "
                    + "replayable) and lets the key move on. Switching to skip releases the keys blocked now.")
    String onExhausted;

    @Mixin
    HeaderOptions headerOptions;

    @Option(names = "--remove-header", paramLabel = "NAME",
            description = "Stop sending this static header (any case); repeatable. Removing one it does not have is "
                    + "no error. Applied before --header.")
    List<String> removeHeaders = new ArrayList<>();

    @Mixin
    ClientCertificateOptions clientCertificateOptions;

    @Option(names = "--remove-client-cert",
            description = "Present no client certificate any more (its key is deleted).")
    boolean removeClientCertificate;

    @Mixin
    SigningOptions signingOptions;

    @Mixin
    OAuth2Options oauth2Options;

    @Option(names = "--remove-oauth2", description = "Send requests without an OAuth2 access token from now on "
            + "(the client credentials are deleted).")
    boolean removeOAuth2;

    @Option(names = "--json", description = "Print the updated endpoint as JSON.")
    boolean json;

    @Override
    public Integer call() {
        List<EndpointHeader> headers = headerOptions.parse();
        OAuth2Repository.Change oauth2 = oauth2Options.change(System.in, System.getenv());
        if (oauth2 != null && removeOAuth2) {
            throw new UsageException("--remove-oauth2 cannot be given with other --oauth2-* options");
        }
        if (removeClientCertificate && clientCertificateOptions.given()) {
            throw new UsageException("--remove-client-cert and --client-cert/--client-key contradict each other: "
                    + "to replace the certificate give only the new files");
        }
        Instant now = Clock.systemUTC().instant();
        ClientCertificate certificate = clientCertificateOptions.read(now);
        // New header values, client keys, signing keys and client secrets are sealed (other header values are
        // opened, to count their size).
        SecretSealer sealer = headerOptions.given() || certificate != null || signingOptions.given() || oauth2 != null
                ? SecretKeys.fromEnvironment() : SecretSealer.none();
        headerOptions.requireKey(sealer);
        clientCertificateOptions.requireKey(sealer);
        signingOptions.requireKey(sealer);
        oauth2Options.requireKey(sealer);
        if (certificate != null) {
            ClientCertificateOptions.warnings(certificate, now)
                    .forEach(w -> spec.commandLine().getErr().println("warning: " + w));
        }
        Integer newRateLimit = parseRateLimit();
        OnExhausted policy;
        try {
            policy = onExhausted == null ? null : OnExhausted.parse(onExhausted);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // Options set with their own statement may come alone; with none at all, "nothing to change".
        boolean alone = rateLimit != null || ordered != null || onExhausted != null || headerOptions.given()
                || !removeHeaders.isEmpty() || certificate != null || removeClientCertificate
                || signingOptions.given() || oauth2 != null || removeOAuth2;
        EndpointChanges changes = null;
        if (url != null || eventTypes != null || description != null || maxInFlight != null || !alone) {
            try {
                List<String> types = eventTypes == null ? null
                        : eventTypes.size() == 1 && eventTypes.get(0).equals("all") ? List.of() : eventTypes;
                changes = new EndpointChanges(url, types, description, maxInFlight(maxInFlight));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage().startsWith("nothing to change")
                        ? "nothing to change: give --url, --event-types, --description, --max-in-flight, "
                        + "--rate-limit, --ordered, --on-exhausted, --header, --remove-header, --client-cert, "
                        + "--remove-client-cert, --signing, --oauth2-* or --remove-oauth2"
                        : e.getMessage());
            }
            for (String warning : changes.warnings()) {
                spec.commandLine().getErr().println("warning: " + warning);
            }
        }
        Endpoint updated;
        try (Database db = database.open(1)) {
            EndpointRepository endpoints = new EndpointRepository(db.dsl(), sealer);
            // First: a mode the endpoint cannot have is refused before anything else changes.
            signingOptions.apply(db.dsl(), sealer, id, now);
            if (changes != null ? !endpoints.update(id, changes, now) : endpoints.find(id).isEmpty()) {
                throw EndpointCommands.notFound(id);
            }
            if (rateLimit != null) {
                endpoints.setRateLimit(id, newRateLimit, now);
            }
            if (ordered != null) {
                endpoints.setOrdered(id, ordered, now);
            }
            if (policy != null) {
                endpoints.setOnExhausted(id, policy, now);
            }
            if (!headers.isEmpty() || !removeHeaders.isEmpty()) {
                new EndpointHeaderRepository(db.dsl(), sealer).change(id, headers, removeHeaders, now);
            }
            if (certificate != null) {
                new ClientCertificateRepository(db.dsl(), sealer).set(id, certificate, now);
            } else if (removeClientCertificate) {
                new ClientCertificateRepository(db.dsl(), sealer).remove(id, now);
            }
            if (removeOAuth2) {
                new OAuth2Repository(db.dsl(), sealer).remove(id);
            }
            if (oauth2 != null) {
                try {
                    new OAuth2Repository(db.dsl(), sealer).change(id, oauth2, now);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            updated = EndpointCommands.require(endpoints.find(id), id);
        }
        if (json) {
            Json.print(spec.commandLine().getOut(), updated);
        } else {
            spec.commandLine().getOut().println("endpoint " + id + " updated: " + Text.line(updated.url())
                    + ", event types "
                    + (updated.eventTypes().isEmpty() ? "all" : String.join(",", updated.eventTypes()))
                    + ", max in flight " + updated.maxInFlightText() + ", rate limit " + EndpointCommands.rateLimit(updated)
                    + (updated.ordered() ? ", ordered (on exhausted: " + updated.onExhausted().value() + ")" : "")
                    + (headerOptions.given() || !removeHeaders.isEmpty() || !updated.headers().isEmpty()
                    ? ", headers " + EndpointCommands.headerNames(updated) : "")
                    + (updated.clientCertificate() != null ? ", client certificate "
                    + Text.line(updated.clientCertificate().describe(now))
                    : removeClientCertificate ? ", no client certificate" : "") + signingOptions.describe(updated)
                    + (oauth2 != null || removeOAuth2 || updated.oauth2() != null
                    ? ", OAuth2 " + (updated.oauth2() == null ? "none" : "client " + Text.line(updated.oauth2().clientId())
                    + " at " + Text.line(updated.oauth2().tokenUrl())) : ""));
        }
        return Main.OK;
    }

    /** --rate-limit: null when not given or 'none' (then {@code rateLimit} tells which). */
    private Integer parseRateLimit() {
        if (rateLimit == null || rateLimit.equalsIgnoreCase("none")) {
            return null;
        }
        int n;
        try {
            n = Integer.parseInt(rateLimit.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--rate-limit takes a number of requests per second or 'none' (got '"
                    + rateLimit + "')");
        }
        String problem = Endpoint.rateLimitProblem(n);
        if (problem != null) {
            throw new UsageException(problem);
        }
        return n;
    }

    /** "default" clears the endpoint's cap; a number sets it; null leaves it. */
    static Integer maxInFlight(String text) {
        if (text == null) {
            return null;
        }
        if (text.equalsIgnoreCase("default")) {
            return EndpointChanges.DEFAULT_MAX_IN_FLIGHT;
        }
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--max-in-flight must be a whole number of at least 1, or 'default' (got '"
                + text + "')");
    }
}
