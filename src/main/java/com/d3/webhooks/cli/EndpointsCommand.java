package com.d3.webhooks.cli;

import com.d3.webhooks.clientcert.ClientCertificate;
import com.d3.webhooks.clientcert.ClientCertificateRepository;
import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.Endpoint;
import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.EndpointHeaderRepository;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.endpoints.OnExhausted;
import com.d3.webhooks.endpoints.SigningMode;
import com.d3.webhooks.oauth.OAuth2Repository;
import com.d3.webhooks.secrets.SecretSealer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "endpoints", mixinStandardHelpOptions = true,
        description = "Registers, inspects, changes and tests webhook endpoints.",
        subcommands = {EndpointsCommand.Add.class, EndpointsCommand.ListEndpoints.class, EndpointShowCommand.class,
                EndpointUpdateCommand.class, EndpointDisableCommand.class, EndpointEnableCommand.class,
                EndpointRotateSecretCommand.class, EndpointRotateSigningKeyCommand.class, EndpointTestCommand.class},
        footer = {"", "The dashboard's backend writes the same table by SQL; see docs/operators.md."})
final class EndpointsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Registers an endpoint for an account and prints its id.",
            footer = {"", "Examples:",
                    "  outbox endpoints add --account acct_42 --url https://example.com/hooks --secret whsec_...",
                    "  outbox endpoints add --account acct_42 --url https://example.com/ops "
                            + "--event-types operation.completed,operation.failed",
                    "  outbox endpoints add --account acct_42 --url https://example.com/tasks --ordered "
                            + "--on-exhausted skip",
                    "  outbox endpoints add --account acct_42 --url https://example.com/hooks "
                            + "--header-file gateway.headers",
                    "  outbox endpoints add --account acct_42 --url https://example.com/hooks "
                            + "--client-cert client.crt --client-key client.key",
                    "  outbox endpoints add --account acct_42 --url https://example.com/hooks --signing ed25519",
                    "  outbox endpoints add --account acct_42 --url https://example.com/hooks "
                            + "--oauth2-token-url https://auth.example.com/oauth/token --oauth2-client-id d3-webhooks "
                            + "--oauth2-client-secret-file client.secret --oauth2-scope webhooks:write"})
    static final class Add implements Callable<Integer> {

        @Mixin
        DatabaseOptions database;

        @Spec
        CommandSpec spec;

        @Option(names = "--account", required = true, description = "The account whose events it receives.")
        String account;

        @Option(names = "--url", required = true, description = "Absolute http(s) URL; https is recommended.")
        String url;

        @Option(names = "--secret", description = "Signing secret: whsec_<base64> (Standard Webhooks) or any "
                + "other text, at most 500 characters. Stored sealed with the key in OUTBOX_SECRET_KEY, which "
                + "must be set. Without it requests are not signed.")
        String secret;

        @Option(names = "--event-types", split = ",", paramLabel = "TYPE",
                description = "Only these event types (comma-separated); default every type.")
        List<String> eventTypes;

        @Option(names = "--description", description = "A note for operators.")
        String description;

        @Option(names = "--ordered", description = "Deliver events with the same ordering key one at a time, "
                + "in outbox order (costs throughput on busy keys).")
        boolean ordered;

        @Option(names = "--max-in-flight", paramLabel = "N",
                description = "Requests in flight to this endpoint per worker at most; default: the worker's "
                        + "--max-in-flight-per-endpoint (8 unless configured).")
        Integer maxInFlight;

        @Option(names = "--rate-limit", paramLabel = "N",
                description = "At most N requests per second to it, from all workers together; default no limit.")
        Integer rateLimit;
        @Option(names = "--on-exhausted", paramLabel = "block|skip", defaultValue = "block",
                description = "Ordered endpoints: when a delivery fails for good, 'block' (default) holds its "
                        + "key's later deliveries until an operator replays or skips it; 'skip' leaves it failed "
                        + "(audited, replayable) and lets the key move on.")
        String onExhausted;

        @Mixin
        HeaderOptions headerOptions;

        @Mixin
        ClientCertificateOptions clientCertificateOptions;

        @Mixin
        SigningOptions signingOptions;

        @Mixin
        OAuth2Options oauth2Options;

        @Option(names = "--json", description = "Print the result as JSON (with the Ed25519 public key, if any).")
        boolean json;

        @Override
        public Integer call() {
            List<EndpointHeader> headers = headerOptions.parse();
            OAuth2Repository.Change oauth2 = oauth2Options.change(System.in, System.getenv());
            if (oauth2 != null) {
                try {
                    oauth2.requireComplete();
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                if (headers.stream().anyMatch(h -> h.name().equalsIgnoreCase("Authorization"))) {
                    throw new UsageException("an Authorization header and OAuth2 client credentials exclude each "
                            + "other: the access token is sent as the Authorization header");
                }
            }
            String rateProblem = Endpoint.rateLimitProblem(rateLimit);
            if (rateProblem != null) {
                throw new UsageException(rateProblem);
            }
            NewEndpoint endpoint;
            OnExhausted policy;
            try {
                policy = OnExhausted.parse(onExhausted);
                endpoint = new NewEndpoint(account, url, secret, eventTypes, description, maxInFlight);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            SecretSealer sealer = SecretKeys.fromEnvironment();
            if (secret != null && !sealer.canSeal()) {
                throw new UsageException("--secret is stored sealed with the key in " + SecretSealer.KEY_VARIABLE
                        + ", which is not set: generate one with 'outbox secrets new-key', keep it safe, and set "
                        + "it for every outbox command and worker");
            }
            if (signingOptions.given() && signingOptions.mode() == SigningMode.BOTH && secret == null) {
                throw new UsageException("--signing both signs with the secret too: give --secret, or use --signing "
                        + "ed25519");
            }
            headerOptions.requireKey(sealer);
            signingOptions.requireKey(sealer);
            java.time.Instant now = java.time.Instant.now();
            ClientCertificate certificate = clientCertificateOptions.read(now);
            clientCertificateOptions.requireKey(sealer);
            oauth2Options.requireKey(sealer);
            List<String> warnings = new java.util.ArrayList<>(endpoint.warnings());
            if (certificate != null) {
                warnings.addAll(ClientCertificateOptions.warnings(certificate, now));
            }
            for (String warning : warnings) {
                spec.commandLine().getErr().println("warning: " + warning);
            }
            long id;
            String publicKey;
            try (Database db = database.open(1)) {
                EndpointRepository endpoints = new EndpointRepository(db.dsl(), sealer);
                id = endpoints.add(endpoint);
                if (ordered) {
                    endpoints.setOrdered(id, true, java.time.Instant.now());
                }
                if (rateLimit != null) {
                    endpoints.setRateLimit(id, rateLimit, java.time.Instant.now());
                }
                if (policy != OnExhausted.BLOCK) {
                    endpoints.setOnExhausted(id, policy, java.time.Clock.systemUTC().instant());
                }
                if (!headers.isEmpty()) {
                    new EndpointHeaderRepository(db.dsl(), sealer).change(id, headers, List.of(),
                            java.time.Instant.now());
                }
                if (certificate != null) {
                    new ClientCertificateRepository(db.dsl(), sealer).set(id, certificate, now);
                }
                if (oauth2 != null) {
                    new OAuth2Repository(db.dsl(), sealer).change(id, oauth2, now);
                }
                signingOptions.apply(db.dsl(), sealer, id, java.time.Instant.now());
                publicKey = EndpointCommands.require(endpoints.find(id), id).signing().publicKey();
            }
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("id", id);
                out.put("warnings", warnings);
                out.put("publicKey", publicKey);
                Json.print(spec.commandLine().getOut(), out);
            } else {
                spec.commandLine().getOut().println(id);
            }
            return Main.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists endpoints: never their secrets, only whether each (the current one and the one "
                    + "before the last rotation) is sealed, and by which key id. --json also has each endpoint's "
                    + "static headers, by name and how their values are stored.",
            footer = {"", "Examples:", "  outbox endpoints list", "  outbox endpoints list --account acct_42 --json"})
    static final class ListEndpoints implements Callable<Integer> {

        @Mixin
        DatabaseOptions database;

        @Spec
        CommandSpec spec;

        @Option(names = "--account", description = "Only this account's endpoints.")
        String account;

        @Option(names = "--json", description = "Print a JSON array.")
        boolean json;

        @Override
        public Integer call() {
            List<Endpoint> endpoints;
            try (Database db = database.open(1)) {
                endpoints = new EndpointRepository(db.dsl()).list(account);
            }
            if (json) {
                Json.print(spec.commandLine().getOut(), endpoints);
                return Main.OK;
            }
            TablePrinter table = new TablePrinter("ID", "ACCOUNT", "URL", "SECRET", "PREVIOUS SECRET", "EVENT TYPES",
                    "MAX IN FLIGHT", "RATE LIMIT", "BREAKER", "ENABLED");
            java.time.Instant now = java.time.Instant.now();
            for (Endpoint e : endpoints) {
                table.row(e.id(), e.accountId(), e.url(), e.secretStorage(), e.previousSecretStorage(),
                        e.eventTypes().isEmpty() ? "all" : String.join(",", e.eventTypes()), e.maxInFlightText(),
                        EndpointCommands.rateLimit(e), e.breakerState(now),
                        e.enabled() ? "yes" : "no (" + e.disabledReason() + ")");
            }
            table.print(spec.commandLine().getOut());
            return Main.OK;
        }
    }
}
