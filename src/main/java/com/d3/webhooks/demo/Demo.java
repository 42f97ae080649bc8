package com.d3.webhooks.demo;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.db.Database;
import com.d3.webhooks.config.Durations;
import com.d3.webhooks.db.DatabaseConfig;
import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.RetrySchedule;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.delivery.WorkerConfig;
import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.state.DeliveryState;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.flywaydb.core.api.output.MigrateResult;
import org.jooq.DSLContext;

/**
 * The whole product in one run: migrates the demo database, starts a receiver on loopback and
 * registers it for a new account, drives task lifecycles that write all four event types, and
 * runs a worker in this process until every delivery of the run has finished. Each run has an
 * account of its own ({@code demo_<8 hex>}), so runs never see each other's rows and the demo can
 * run any number of times against one database.
 */
public final class Demo {

    /** Short, so the one turned-away delivery is retried at once: 3 attempts over 3 seconds. */
    public static final RetrySchedule RETRY_SCHEDULE = RetrySchedule.parse("1s,2s", 0);
    /** How long the deliveries may take before the demo gives up (they take about a second). */
    /** The default of demo --timeout, as written and parsed. */
    public static final String DEFAULT_TIMEOUT_TEXT = "30s";
    public static final Duration DEFAULT_TIMEOUT = Durations.parse(DEFAULT_TIMEOUT_TEXT);
    /** Every demo account starts with it; a database with other accounts' endpoints is refused. */
    public static final String ACCOUNT_PREFIX = "demo_";
    private static final int POOL_SIZE = 6;
    private static final int CONCURRENCY = 16;
    private static final Duration POLL_MAX = Duration.ofMillis(100);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration LEASE = Duration.ofSeconds(15);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    private static final long WAIT_SLICE_MS = 200;

    /**
     * Where and how long.
     *
     * @param jdbcUrl  the demo database; created when missing
     * @param user     database user when not in the URL, else null
     * @param password database password, else null
     * @param timeout  how long the deliveries may take
     */
    public record Settings(String jdbcUrl, String user, String password, Duration timeout) {
        public Settings {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the demo timeout must be positive");
            }
        }
    }

    /** Told what happens as it happens; called from the demo's and the worker's threads. */
    public interface Progress {
        /** A setup step done, in one or more lines for a person. */
        void step(String text);

        /** A delivery attempt of this run, recorded (committed) by the worker. */
        void attempt(DemoResult.AttemptLine line);
    }

    private Demo() {
    }

    /**
     * Runs the demo. Returns the result also when a delivery failed or the time ran out
     * ({@link DemoResult#problem()} says why).
     *
     * @throws DemoException when PostgreSQL cannot be reached or used; the message says what to do
     */
    public static DemoResult run(Settings settings, Progress progress) {
        return run(settings, progress, OpenTelemetry.noop(), UnaryOperator.identity());
    }

    /**
     * The same, traced: each task change is a span of the demo (playing the application) whose
     * context its events carry, and the worker's spans continue those traces.
     */
    public static DemoResult run(Settings settings, Progress progress, OpenTelemetry tracing) {
        return run(settings, progress, tracing, UnaryOperator.identity());
    }

    /**
     * @param receiverSecret the secret the receiver verifies with, given the endpoint's; tests pass
     *                       another one to see the demo fail as a misconfigured receiver would
     */
    static DemoResult run(Settings settings, Progress progress, UnaryOperator<WebhookSecret> receiverSecret) {
        return run(settings, progress, OpenTelemetry.noop(), receiverSecret);
    }

    private static DemoResult run(Settings settings, Progress progress, OpenTelemetry tracing,
                                  UnaryOperator<WebhookSecret> receiverSecret) {
        long started = System.nanoTime();
        boolean created = DemoDatabase.ensureExists(settings.jdbcUrl(), settings.user(), settings.password());
        String accountId = ACCOUNT_PREFIX + UUID.randomUUID().toString().substring(0, 8);
        try (Database db = Database.open(new DatabaseConfig(settings.jdbcUrl(), settings.user(), settings.password(),
                POOL_SIZE))) {
            MigrateResult migrated = db.migrate();
            progress.step(String.format("Database  %s on %s (%s); schema at version %s (%d migration(s) applied now)",
                    DemoDatabase.databaseName(settings.jdbcUrl()), DemoDatabase.hostAndPort(settings.jdbcUrl()),
                    created ? "created now" : "exists", version(migrated), migrated.migrationsExecuted));
            refuseForeignEndpoints(db.dsl(), settings.jdbcUrl());
            WebhookSecret secret = WebhookSecret.generate();
            try (DemoReceiver receiver = new DemoReceiver("/webhooks/" + accountId, receiverSecret.apply(secret),
                    Clock.systemUTC())) {
                long endpointId = new EndpointRepository(db.dsl()).add(new NewEndpoint(accountId, receiver.url(),
                        secret.revealText(), List.of(), "bin/outbox demo: receiver on loopback"));
                progress.step("Receiver  " + receiver.url() + " (JDK HTTP server in this process): verifies "
                        + "webhook-signature and X-D3-Signature, answers 401 when they do not verify");
                progress.step("Endpoint  " + endpointId + " registered for account " + accountId
                        + " with a newly generated whsec_ secret");
                DemoScenario.Outcome scenario = DemoScenario.run(db.dsl(), accountId,
                        tracing.getTracer("com.d3.webhooks.demo"));
                receiver.rejectOnce(scenario.partialOperationEvent());
                progress.step(describe(scenario));
                return deliver(db.dsl(), settings, progress, accountId, endpointId, receiver, scenario, started,
                        tracing);
            }
        }
    }

    private static DemoResult deliver(DSLContext dsl, Settings settings, Progress progress, String accountId,
                                      long endpointId, DemoReceiver receiver, DemoScenario.Outcome scenario,
                                      long started, OpenTelemetry tracing) {
        Map<UUID, String> traceIds = DemoQueries.traceIds(dsl, accountId);
        WorkerConfig config = workerConfig("demo-" + accountId.substring(ACCOUNT_PREFIX.length()));
        progress.step("Worker    " + config.workerId() + " delivering in this process, retry schedule "
                + RETRY_SCHEDULE + "; the receiver turns the partially_completed operation.completed away "
                + "once (HTTP 503)");
        List<DemoResult.AttemptLine> lines = Collections.synchronizedList(new ArrayList<>());
        AtomicLong recorded = new AtomicLong();
        Object signal = new Object();
        DeliveryListener listener = (entry, settledAs) -> {
            if (!accountId.equals(entry.accountId())) {
                return; // an earlier run's leftover delivery, finished by this worker
            }
            DemoResult.AttemptLine line = line(entry, settledAs, receiver, traceIds.get(entry.eventId()));
            lines.add(line);
            progress.attempt(line);
            recorded.incrementAndGet();
            synchronized (signal) {
                signal.notifyAll();
            }
        };
        String problem;
        try (Worker worker = new Worker(dsl, config, Clock.systemUTC(), listener, tracing)) {
            worker.start();
            problem = awaitDeliveries(dsl, accountId, scenario.eventCount(), settings.timeout(), recorded, signal);
        }
        List<DemoResult.SummaryRow> summary = DemoQueries.summary(dsl, accountId, receiver.verifiedByEventType());
        List<DemoResult.AttemptLine> attempts;
        synchronized (lines) {
            attempts = List.copyOf(lines);
        }
        return new DemoResult(accountId, DemoDatabase.withoutPassword(settings.jdbcUrl()), endpointId, receiver.url(),
                scenario.tasks(), attempts, summary, DemoQueries.total(summary),
                DemoQueries.inspect(settings.jdbcUrl(), settings.user(), accountId),
                Duration.ofNanos(System.nanoTime() - started).toMillis(), problem);
    }

    /**
     * Waits until every event of the account is routed and every delivery finished. Returns null
     * when all succeeded, else the reason the run failed.
     */
    private static String awaitDeliveries(DSLContext dsl, String accountId, int events, Duration timeout,
                                          AtomicLong recorded, Object signal) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seen = recorded.get();
            DemoQueries.Progress p = DemoQueries.progress(dsl, accountId);
            if (p.unrouted() == 0 && p.unfinished() == 0) {
                if (p.deliveries() < events) {
                    return "only " + p.deliveries() + " of " + events + " events became deliveries; see "
                            + "webhook_outbox.routing_state and routing_error for account " + accountId;
                }
                return p.failed() == 0 ? null : DemoQueries.failureReason(dsl, accountId);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return "after " + timeout.toSeconds() + " s, " + (p.unfinished() + p.unrouted()) + " of " + events
                        + " deliveries of account " + accountId + " have not finished; the worker's warnings above "
                        + "say why";
            }
            synchronized (signal) {
                if (recorded.get() == seen) {
                    try {
                        signal.wait(Math.max(1, Math.min(WAIT_SLICE_MS, left / 1_000_000)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return "interrupted while waiting for the deliveries";
                    }
                }
            }
        }
    }

    /**
     * The demo's worker delivers whatever is due in the database, to private addresses too, on a
     * 3-second retry budget: harmless in a demo database, not in one that serves real endpoints.
     */
    private static void refuseForeignEndpoints(DSLContext dsl, String jdbcUrl) {
        int foreign = DemoQueries.foreignEndpoints(dsl);
        if (foreign > 0) {
            throw new DemoException("the database " + DemoDatabase.withoutPassword(jdbcUrl) + " has " + foreign
                    + " endpoint(s) of accounts the demo did not create; the demo's worker would deliver their "
                    + "events too, with private addresses allowed and a 3-second retry budget. Give the demo a "
                    + "database of its own (the default is " + DemoDatabase.DEFAULT_URL + ")");
        }
    }

    static WorkerConfig workerConfig(String workerId) {
        return WorkerConfig.builder(workerId)
                .concurrency(CONCURRENCY)
                .pollMax(POLL_MAX)
                .connectTimeout(CONNECT_TIMEOUT)
                .requestTimeout(REQUEST_TIMEOUT)
                .lease(LEASE)
                .retrySchedule(RETRY_SCHEDULE)
                .shutdownGrace(SHUTDOWN_GRACE)
                .allowPrivateNetwork(true)
                // The demo shows retries within a 3-second budget; the breaker's pauses (5 s and up)
                // would hold its failure scenario's deliveries past the demo's own timeout.
                .breaker(CircuitBreaker.OFF)
                .build();
    }

    private static DemoResult.AttemptLine line(AuditEntry entry, String settledAs, DemoReceiver receiver,
                                               String traceId) {
        String outcome = settledAs.equals(DeliveryState.PENDING.sql()) ? "retrying" : settledAs;
        Duration retryIn = "retrying".equals(outcome) ? RETRY_SCHEDULE.delayAfter(entry.attemptNumber()) : null;
        return new DemoResult.AttemptLine(entry.sentAt(), entry.eventType(), entry.deliveryId(),
                entry.attemptNumber(), entry.responseStatus(), outcome, retryIn, entry.errorMessage(),
                receiver.check(entry.deliveryId(), entry.attemptNumber()).orElse(null), traceId);
    }

    private static String describe(DemoScenario.Outcome scenario) {
        int fileTasks = scenario.tasks().stream().mapToInt(DemoResult.Task::total).sum();
        StringBuilder b = new StringBuilder(String.format("Tasks     %d operations of %d file tasks through "
                        + "TaskLifecycle; %d events written to webhook_outbox in the same transactions:",
                scenario.tasks().size(), fileTasks, scenario.eventCount()));
        int labels = scenario.tasks().stream().mapToInt(t -> t.label().length()).max().orElse(0);
        int files = scenario.tasks().stream().mapToInt(t -> String.join(", ", t.files()).length()).max().orElse(0);
        for (DemoResult.Task t : scenario.tasks()) {
            b.append(String.format("%n            %-" + labels + "s  %-" + files + "s  -> %s", t.label(),
                    String.join(", ", t.files()), t.status()));
        }
        return b.toString();
    }

    private static String version(MigrateResult m) {
        return m.targetSchemaVersion != null ? m.targetSchemaVersion : m.initialSchemaVersion;
    }
}
