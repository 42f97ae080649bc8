package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.Endpoint;
import com.d3.webhooks.endpoints.OnExhausted;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.operations.DeliveryQueries;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Shows one endpoint (never its secrets, private keys, header values, client key or OAuth2 "
                + "client secret; its Ed25519 public keys, which receivers verify with) and how many of its "
                + "deliveries wait, are in flight or failed.",
        footer = {"", "Examples:", "  outbox endpoints show 3", "  outbox endpoints show 3 --json"})
final class EndpointShowCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The endpoint's id.")
    long id;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Endpoint e;
        Map<String, Long> open;
        try (Database db = database.open(1)) {
            e = EndpointCommands.require(new EndpointRepository(db.dsl()).find(id), id);
            open = new DeliveryQueries(db.dsl()).openDeliveriesByState(id);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("endpoint", e);
            doc.put("deliveries", open);
            Json.print(out, doc);
            return Main.OK;
        }
        TablePrinter t = new TablePrinter("FIELD", "VALUE");
        t.row("id", e.id());
        t.row("account", e.accountId());
        t.row("url", e.url());
        t.row("event types", e.eventTypes().isEmpty() ? "all" : String.join(",", e.eventTypes()));
        t.row("signed", e.hasSecret() || e.signing().mode().usesEd25519() ? "yes" : "no (no secret)");
        t.row("signing", EndpointCommands.signing(e));
        if (e.signing().previousKeyExpiresAt() != null) {
            t.row("previous public key", e.signing().previousPublicKey() + (e.signing().previousKeySigns(Instant.now())
                    ? ", still signs until " : ", stopped signing at ") + Times.format(e.signing().previousKeyExpiresAt()));
        }
        t.row("headers", e.headers().isEmpty() ? "none" : String.join("; ", e.headers().stream()
                .map(h -> h.name() + " (value " + h.storage() + ")").toList()));
        t.row("client certificate", e.clientCertificate() == null ? "none"
                : e.clientCertificate().describe(Instant.now()));
        if (e.oauth2() == null) {
            t.row("oauth2", "none");
        } else {
            t.row("oauth2 token url", e.oauth2().tokenUrl());
            t.row("oauth2 client id", e.oauth2().clientId());
            t.row("oauth2 client secret", e.oauth2().clientSecretStorage());
            t.row("oauth2 scope", e.oauth2().scope() == null ? "none" : e.oauth2().scope());
            t.row("oauth2 audience", e.oauth2().audience() == null ? "none" : e.oauth2().audience());
        }
        t.row("max in flight", e.maxInFlight() == null ? "default (the worker's --max-in-flight-per-endpoint)"
                : e.maxInFlight() + " per worker");
        if (e.previousSecretExpiresAt() != null) {
            boolean active = e.previousSecretExpiresAt().toInstant().isAfter(Instant.now());
            t.row("previous secret", (active ? "still signs until " : "stopped signing at ")
                    + Times.format(e.previousSecretExpiresAt()));
        }
        t.row("ordered", e.ordered() ? "yes; a delivery that fails for good " + (e.onExhausted() == OnExhausted.SKIP
                ? "is skipped over (--on-exhausted skip)" : "blocks its key (--on-exhausted block)") : "no");
        t.row("enabled", e.enabled() ? "yes" : "no, since " + Times.format(e.disabledAt()) + ": " + e.disabledReason());
        t.row("rate limit", e.rateLimitPerSecond() == null ? "none"
                : e.rateLimitPerSecond() + " requests per second (all workers together)");
        Instant now = Instant.now();
        t.row("circuit breaker", switch (e.breakerState(now)) {
            case "open" -> "open until " + Times.format(e.breakerOpenUntil()) + " (opening " + e.breakerOpenings()
                    + " in a row); deliveries are held back";
            case "half-open" -> "half-open: the next delivery goes as a probe";
            default -> "closed";
        } + ", " + e.consecutiveFailures() + " consecutive failed attempts");
        t.row("description", e.description());
        t.row("created", Times.format(e.createdAt()));
        t.row("updated", Times.format(e.updatedAt()));
        open.forEach((state, n) -> t.row(state + " deliveries", n));
        t.print(out);
        return Main.OK;
    }
}
