package com.d3.webhooks.cli;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.demo.Demo;
import com.d3.webhooks.demo.DemoDatabase;
import com.d3.webhooks.demo.DemoException;
import com.d3.webhooks.demo.DemoResult;
import com.d3.webhooks.demo.DemoResult.AttemptLine;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"The whole product in one run, on a local PostgreSQL: migrates a database of its own "
                + "(outbox_demo, created when missing), starts a webhook receiver on loopback that verifies both "
                + "signatures (webhook-signature and X-D3-Signature; 401 when they do not verify) and registers "
                + "it for a new account with a generated whsec_ secret. Then it drives task lifecycles that "
                + "write all four event types (fileTask.completed, fileTask.failed, operation.completed - "
                + "completed and partially_completed - and operation.failed), delivers them with a worker in "
                + "this process, one line per attempt (the receiver turns one away once, so it is retried), "
                + "and ends with a summary read from webhook_audit_logs and the commands to look at the same "
                + "data by hand.",
                "Each run has an account of its own (demo_<8 hex>), so it can run again and again on one "
                        + "database. It refuses a database with endpoints of other accounts: its worker allows "
                        + "private addresses and would deliver their events too."},
        footer = {"", "Exit codes: 0 every delivery succeeded; 1 PostgreSQL unreachable, a delivery failed or "
                + "the time ran out (one line on stderr says why); 2 usage error.",
                "Examples:",
                "  bin/outbox demo",
                "  bin/outbox demo --database-url 'jdbc:postgresql://db:5432/outbox_demo?user=me'",
                "  bin/outbox demo --json > demo.json      # progress stays on stderr"})
final class DemoCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @Spec
    CommandSpec spec;

    @Option(names = "--database-url", paramLabel = "JDBC_URL", defaultValue = DemoDatabase.DEFAULT_URL,
            description = "The demo's database, created when missing (from the server's 'postgres' database). "
                    + "OUTBOX_DATABASE_URL is deliberately not read: the demo never runs on your real outbox "
                    + "by accident.")
    String url;

    @Option(names = "--database-user", paramLabel = "USER", description = "Database user, when not in the URL.")
    String user;

    @Option(names = "--database-password", paramLabel = "PASSWORD", defaultValue = "${env:OUTBOX_DATABASE_PASSWORD}",
            description = "Database password; prefer the environment variable OUTBOX_DATABASE_PASSWORD.")
    String password;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = Demo.DEFAULT_TIMEOUT_TEXT,
            converter = Converters.DurationConverter.class,
            description = "How long the deliveries may take before the demo gives up (they take a few seconds).")
    Duration timeout;

    @Option(names = "--json", description = "Print the summary as one JSON document on stdout; progress goes "
            + "to stderr.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter progress = json ? err : out;
        Demo.Settings settings;
        try {
            settings = new Demo.Settings(url, blankToNull(user), blankToNull(password), timeout);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        DemoResult result;
        Runnable restoreLogging = quietInfoLogs();
        try (OpenTelemetrySdk tracing = TracingFromEnvironment.start()) {
            result = Demo.run(settings, new Demo.Progress() {
                @Override
                public void step(String text) {
                    print(progress, text);
                }

                @Override
                public void attempt(AttemptLine line) {
                    print(progress, describe(line));
                }
            }, tracing == null ? OpenTelemetry.noop() : tracing);
        } catch (DemoException e) {
            if ("1".equals(System.getenv("OUTBOX_DEBUG"))) {
                e.printStackTrace(err);
            }
            err.println(spec.qualifiedName() + ": " + Text.line(e.getMessage()));
            err.flush();
            return Main.FAILURE;
        } finally {
            restoreLogging.run();
        }
        if (json) {
            Json.print(out, result);
        } else {
            printSummary(out, result);
        }
        if (!result.ok()) {
            err.println(spec.qualifiedName() + ": " + Text.line(result.problem()));
            err.flush();
            return Main.FAILURE;
        }
        return Main.OK;
    }

    /**
     * One attempt, for a person: time, event type, delivery, attempt, HTTP status, outcome, the
     * trace id when tracing is configured, the receiver's check.
     */
    static String describe(AttemptLine l) {
        String time = TIME.format(LocalTime.ofInstant(l.sentAt(), ZoneId.systemDefault()));
        String http = l.httpStatus() == null ? "no HTTP" : "HTTP " + l.httpStatus();
        String outcome = l.outcome() + (l.retryIn() == null ? "" : " in " + Durations.format(l.retryIn()));
        String check;
        if (l.receiver() == null) {
            check = "no request reached the receiver" + (l.error() == null ? "" : ": " + l.error());
        } else if (l.receiver().verified()) {
            check = "signature verified";
        } else {
            check = "signature rejected: " + l.receiver().message();
        }
        String trace = l.traceId() == null ? "" : "trace " + l.traceId() + "  ";
        return String.format("%s  %-19s  delivery %-4d  attempt %d  %-8s  %-14s  %s%s", time, l.eventType(),
                l.deliveryId(), l.attempt(), http, outcome, trace, check);
    }

    private static void printSummary(PrintWriter out, DemoResult r) {
        DemoResult.SummaryRow total = r.total();
        int retried = total.attempts() - total.deliveries();
        out.println();
        if (r.ok()) {
            out.printf("All %d deliveries succeeded in %.1f s: %d attempts (%d retried), %d of %d requests with "
                            + "both signatures verified by the receiver.%n", total.deliveries(),
                    r.elapsedMs() / 1000.0, total.attempts(), retried, total.signaturesVerified(), total.attempts());
        } else {
            out.printf("Not every delivery succeeded (%.1f s): %s%n", r.elapsedMs() / 1000.0, Text.line(r.problem()));
        }
        out.println();
        out.println("Summary of account " + r.accountId() + ", read from webhook_audit_logs:");
        TablePrinter table = new TablePrinter("EVENT TYPE", "DELIVERIES", "ATTEMPTS", "SUCCESSES", "FAILURES",
                "SIGNATURES VERIFIED");
        for (DemoResult.SummaryRow row : r.summary()) {
            table.row(row.eventType(), row.deliveries(), row.attempts(), row.successes(), row.failures(),
                    row.signaturesVerified());
        }
        table.row(total.eventType(), total.deliveries(), total.attempts(), total.successes(), total.failures(),
                total.signaturesVerified());
        table.print(out);
        out.println();
        out.println("Inspect the same data by hand:");
        for (DemoResult.Inspect i : r.inspect()) {
            out.println("  # " + i.title());
            out.println("  " + i.command());
        }
        out.flush();
    }

    private static void print(PrintWriter w, String text) {
        synchronized (w) {
            w.println(Text.line(text));
            w.flush();
        }
    }

    /**
     * The worker's INFO lines say what the attempt lines already say; unless the operator asked for
     * a log level, show warnings only while the demo runs.
     */
    private static Runnable quietInfoLogs() {
        if (System.getenv("OUTBOX_LOG_LEVEL") != null
                || !(LoggerFactory.getLogger("com.d3.webhooks") instanceof ch.qos.logback.classic.Logger logger)) {
            return () -> { };
        }
        ch.qos.logback.classic.Level before = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.WARN);
        return () -> logger.setLevel(before);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
