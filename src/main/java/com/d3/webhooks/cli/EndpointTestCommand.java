package com.d3.webhooks.cli;

import com.d3.webhooks.network.EndpointUrl;
import com.d3.webhooks.db.Database;
import com.d3.webhooks.delivery.AttemptResult;
import com.d3.webhooks.delivery.EndpointProbe;
import com.d3.webhooks.delivery.WorkerConfig;
import com.d3.webhooks.network.EgressProxy;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "test", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Sends one signed endpoint.test event to the endpoint now and shows the response.",
                "The test is a real delivery (an outbox row and a delivery of its own), sent like any other "
                        + "with the same checks, headers and signatures, audited, and listed by 'outbox "
                        + "deliveries'. It is sent once, not retried; it is sent even when the endpoint is "
                        + "disabled, so a fix can be checked before enabling it. A sealed secret is opened with "
                        + "OUTBOX_SECRET_KEY (and OUTBOX_SECRET_KEYS_OLD), as the worker does.",
                "Exit code 0 when the endpoint answered 2xx, 1 otherwise."},
        footer = {"", "Examples:", "  outbox endpoints test 3", "  outbox endpoints test 3 --json"})
final class EndpointTestCommand implements Callable<Integer> {

    static final String DEFAULT_MESSAGE = "This is a test event sent by an operator of D3 webhooks.";

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The endpoint's id.")
    long id;

    @Option(names = "--message", defaultValue = DEFAULT_MESSAGE, description = "Text put in the event's data.")
    String message;

    @Option(names = "--connect-timeout", defaultValue = "${env:OUTBOX_CONNECT_TIMEOUT:-5s}",
            converter = Converters.DurationConverter.class,
            description = "Bound on the name lookup, and on the TCP/TLS connect.")
    Duration connectTimeout;

    @Option(names = "--request-timeout", defaultValue = "${env:OUTBOX_REQUEST_TIMEOUT:-15s}",
            converter = Converters.DurationConverter.class, description = "Bound on waiting for the response.")
    Duration requestTimeout;

    @Option(names = "--allow-private-network", defaultValue = "${env:OUTBOX_ALLOW_PRIVATE_NETWORK:-false}",
            description = "Permit loopback and private destinations, as the worker's option of the same name "
                    + "(tests and demos only).")
    boolean allowPrivateNetwork;

    @Option(names = "--egress-proxy", defaultValue = "${env:OUTBOX_EGRESS_PROXY}",
            converter = Converters.EgressProxyConverter.class, description = WorkerCommand.EGRESS_PROXY_HELP)
    EgressProxy egressProxy;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        WorkerConfig config;
        try {
            config = WorkerConfig.builder("endpoints-test@" + WorkerCommand.defaultWorkerId())
                    .concurrency(1)
                    .connectTimeout(connectTimeout)
                    .requestTimeout(requestTimeout)
                    .lease(connectTimeout.plus(requestTimeout).plusSeconds(30))
                    .allowPrivateNetwork(allowPrivateNetwork)
                    .egressProxy(egressProxy)
                    .secrets(SecretKeys.fromEnvironment())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        EndpointProbe.Outcome outcome;
        try (Database db = database.open(1)) {
            outcome = EndpointCommands.require(new EndpointProbe(db.dsl(), config, Clock.systemUTC())
                    .send(id, message), id);
        }
        AttemptResult r = outcome.result();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("endpointId", id);
            doc.put("url", EndpointUrl.redact(outcome.url()));
            doc.put("deliveryId", outcome.deliveryId());
            doc.put("eventId", outcome.eventId());
            doc.put("sentAt", outcome.sentAt());
            doc.put("succeeded", r.succeeded());
            doc.put("responseStatus", r.status());
            doc.put("durationMs", r.durationMs());
            doc.put("error", r.error());
            doc.put("responseBody", r.bodyExcerpt());
            Json.print(out, doc);
        } else {
            out.println((r.succeeded() ? "ok: " : "failed: ") + Text.line(EndpointUrl.redact(outcome.url())) + " answered "
                    + (r.status() == null ? "nothing" : "HTTP " + r.status()) + " in " + r.durationMs() + " ms"
                    + (r.error() == null ? "" : " (" + Text.line(r.error()) + ")"));
            out.println("delivery " + outcome.deliveryId() + ", event " + outcome.eventId() + ", sent at "
                    + Times.format(outcome.sentAt()) + "; 'outbox deliveries show " + outcome.deliveryId()
                    + "' shows the audit row");
            if (r.bodyExcerpt() != null) {
                out.println("response: " + Text.excerpt(r.bodyExcerpt(), 300));
            }
            out.flush();
        }
        return r.succeeded() ? Main.OK : Main.FAILURE;
    }
}
