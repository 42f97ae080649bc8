package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.operations.EndpointStats;
import com.d3.webhooks.operations.Stats;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Delivery health, overall and per endpoint with any activity:",
                "  PENDING     deliveries waiting for an attempt; DUE: those whose time has come",
                "  PAUSED      deliveries of a disabled endpoint, due again when it is enabled",
                "  OLDEST DUE  how long the longest-waiting due delivery has waited (the backlog's lag)",
                "  IN FLIGHT   deliveries being attempted now",
                "  OK/FAILED   deliveries that succeeded / failed for good in the last hour and 24 hours",
                "  SUCCESS     successful attempts / attempts over the last 24 hours (retries count)",
                "  P50/P95     attempt duration percentiles over the last 24 hours (from the audit log)"},
        footer = {"", "Examples:", "  outbox stats", "  outbox stats --endpoint 3 --json"})
final class StatsCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Spec
    CommandSpec spec;

    @Option(names = "--endpoint", paramLabel = "ENDPOINT_ID", description = "Only this endpoint.")
    Long endpointId;

    @Option(names = "--account", description = "Only this account's endpoints.")
    String account;

    @Option(names = "--json", description = "Print one JSON object: at, overall, endpoints.")
    boolean json;

    @Override
    public Integer call() {
        Instant now = Clock.systemUTC().instant();
        List<EndpointStats> stats;
        try (Database db = database.open(1)) {
            if (endpointId != null && new EndpointRepository(db.dsl()).find(endpointId).isEmpty()) {
                throw EndpointCommands.notFound(endpointId);
            }
            stats = new Stats(db.dsl()).compute(endpointId, account, now);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("at", now);
            doc.put("overall", stats.get(0));
            doc.put("endpoints", stats.subList(1, stats.size()));
            Json.print(out, doc);
            return Main.OK;
        }
        out.println("at " + Times.format(now));
        TablePrinter t = new TablePrinter("ENDPOINT", "PENDING", "PAUSED", "DUE", "OLDEST DUE", "IN FLIGHT", "OK 1H",
                "FAILED 1H", "OK 24H", "FAILED 24H", "SUCCESS 24H", "P50", "P95", "URL");
        for (EndpointStats s : stats) {
            t.row(s.endpointId() == null ? "all" : s.endpointId() + (Boolean.FALSE.equals(s.enabled()) ? " (disabled)" : ""),
                    s.pending(), s.paused(), s.due(),
                    s.oldestDueAgeSeconds() == null ? null : Times.age(Duration.ofSeconds(s.oldestDueAgeSeconds())),
                    s.inFlight(), s.succeededLastHour(), s.failedLastHour(), s.succeededLastDay(), s.failedLastDay(),
                    s.successRate() == null ? null : String.format("%.1f%% of %d", 100 * s.successRate(),
                            s.attemptsLastDay()),
                    ms(s.p50DurationMs()), ms(s.p95DurationMs()), s.url());
        }
        t.print(out);
        return Main.OK;
    }

    private static String ms(Double v) {
        return v == null ? null : Math.round(v) + " ms";
    }
}
