package com.d3.webhooks.cli;

import com.d3.webhooks.network.EndpointUrl;
import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.operations.AttemptRecord;
import com.d3.webhooks.operations.DeliveryQueries;
import com.d3.webhooks.operations.DeliverySummary;
import com.d3.webhooks.state.DeliveryState;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Shows one delivery with its whole audit trail: every attempt's time, result, HTTP status, "
                + "duration, worker and error, earlier retry budgets (before replays) included."},
        footer = {"", "Examples:", "  outbox deliveries show 42", "  outbox deliveries show 42 --json"})
final class DeliveriesShowCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The delivery's id.")
    long id;

    @Option(names = "--json", description = "Print one JSON object, with each response body excerpt.")
    boolean json;

    @Override
    public Integer call() {
        DeliverySummary d;
        List<AttemptRecord> attempts;
        String url;
        try (Database db = database.open(1)) {
            DeliveryQueries queries = new DeliveryQueries(db.dsl());
            d = queries.find(id).orElseThrow(() -> new CommandFailure("no delivery " + id
                    + "; 'outbox deliveries list' shows the ids (pruned deliveries are gone)"));
            attempts = queries.attempts(id);
            url = new EndpointRepository(db.dsl()).find(d.endpointId()).map(e -> EndpointUrl.redact(e.url()))
                    .orElse(null);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("delivery", d);
            doc.put("endpointUrl", url);
            doc.put("attempts", attempts);
            Json.print(out, doc);
            return Main.OK;
        }
        TablePrinter head = new TablePrinter("DELIVERY", String.valueOf(d.id()));
        DeliveryState state = DeliveryState.fromSql(d.state());
        head.row("state", d.state() + (state == DeliveryState.IN_FLIGHT ? " (held by " + d.lockedBy() + " until "
                + Times.format(d.lockedUntil()) + ")" : ""));
        head.row("event", d.eventId() + " " + d.eventType());
        head.row("account", d.accountId());
        head.row("endpoint", d.endpointId() + " " + url);
        head.row("attempts", d.attempts() + (d.retryBase() > 0 ? " (current budget began after attempt "
                + d.retryBase() + ", at a replay)" : ""));
        head.row("created", Times.format(d.createdAt()));
        if (state == DeliveryState.PENDING) {
            head.row("next attempt", Times.format(d.nextAttemptAt()));
        } else if (state == DeliveryState.PAUSED) {
            head.row("next attempt", "when endpoint " + d.endpointId() + " is enabled");
        }
        head.row("completed", Times.format(d.completedAt()));
        head.row("last error", d.lastError());
        head.print(out);
        out.println();
        if (attempts.isEmpty()) {
            out.println("no attempts audited yet");
            out.flush();
            return Main.OK;
        }
        TablePrinter t = new TablePrinter("ATTEMPT", "SENT AT", "RESULT", "HTTP", "DURATION", "WORKER", "ERROR",
                "RESPONSE");
        for (AttemptRecord a : attempts) {
            t.row(a.attemptNumber(), Times.format(a.sentAt()), a.status(), a.responseStatus(), a.durationMs() + " ms",
                    a.workerId(), Text.excerpt(a.errorMessage(), 80), Text.excerpt(a.responseBody(), 40));
        }
        t.print(out);
        return Main.OK;
    }
}
