package com.d3.webhooks.cli;

import com.d3.webhooks.audit.AuditPartitions;
import com.d3.webhooks.db.Database;
import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.RetrySchedule;
import com.d3.webhooks.delivery.WakeupListener;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.delivery.WorkerConfig;
import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.network.EgressProxy;
import com.d3.webhooks.observability.BacklogGauges;
import com.d3.webhooks.observability.Observability;
import com.d3.webhooks.observability.ObservabilityServer;
import com.d3.webhooks.observability.WorkerMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import com.d3.webhooks.secrets.EndpointSecrets;
import com.d3.webhooks.secrets.SecretSweeper;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Delivers outbox events: routes each event to its account's endpoints, sends signed "
                + "POSTs, audits every attempt and retries failures. Run as many as you like against one "
                + "database; they share the work without sending a delivery twice.",
                "Endpoint secrets: sealed ones are opened with OUTBOX_SECRET_KEY (and OUTBOX_SECRET_KEYS_OLD "
                        + "during a rotation); the worker refuses to start when one cannot be opened, and seals "
                        + "plain-text secrets at start and every 10 s.",
                "Audit log partitions: makes the daily partitions for today and the next 7 days at start and "
                        + "hourly (any number of workers may; one does the work at a time).",
                "Stops cleanly on SIGTERM/SIGINT: stops claiming, lets requests in flight finish within "
                        + "--shutdown-grace, releases the rest, exits 0.",
                "Tracing: off unless OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER (not none) is set; then "
                        + "spans go out over OTLP/HTTP with the standard OTEL_* settings (docs/tracing.md)."},
        footer = {"", "Every option can also be set by the environment variable named in its description.",
                "Examples:",
                "  outbox worker --database-url jdbc:postgresql://db:5432/outbox",
                "  OUTBOX_CONCURRENCY=32 outbox worker",
                "  outbox worker --exit-when-idle --retry-schedule 1s,1s   # drain what is due, then exit"})
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Option(names = "--worker-id", defaultValue = "${env:OUTBOX_WORKER_ID}",
            description = "Name in leases and audit rows; default host-pid-random (env OUTBOX_WORKER_ID).")
    String workerId;

    @Option(names = "--concurrency", defaultValue = "${env:OUTBOX_CONCURRENCY:-" + WorkerConfig.DEFAULT_CONCURRENCY + "}",
            description = "Requests in flight at once; more helps slow endpoints, costs threads and "
                    + "connections (env OUTBOX_CONCURRENCY).")
    int concurrency;

    @Option(names = "--max-in-flight-per-endpoint", defaultValue = "${env:OUTBOX_MAX_IN_FLIGHT_PER_ENDPOINT:-" + WorkerConfig.DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT + "}",
            description = "Requests in flight to any one endpoint from this worker; a slow or hanging endpoint "
                    + "holds at most this many senders, the others keep serving the rest. An endpoint's own "
                    + "max_in_flight ('endpoints update ID --max-in-flight N') overrides it "
                    + "(env OUTBOX_MAX_IN_FLIGHT_PER_ENDPOINT).")
    int maxInFlightPerEndpoint;

    @Option(names = "--batch-size", defaultValue = "${env:OUTBOX_BATCH_SIZE:-" + WorkerConfig.DEFAULT_BATCH_SIZE + "}",
            description = "Most deliveries claimed per statement (env OUTBOX_BATCH_SIZE).")
    int batchSize;

    @Option(names = "--route-batch-size", defaultValue = "${env:OUTBOX_ROUTE_BATCH_SIZE:-"
            + WorkerConfig.DEFAULT_ROUTE_BATCH_SIZE + "}",
            description = "Most events routed per transaction; larger routes a backlog faster, and holds the "
                    + "claim loop up longer per batch (env OUTBOX_ROUTE_BATCH_SIZE).")
    int routeBatchSize;

    @Option(names = "--poll-min", defaultValue = "${env:OUTBOX_POLL_MIN:-" + WorkerConfig.DEFAULT_POLL_MIN_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "First wait after finding nothing due; lower means lower latency, more idle queries "
                    + "(env OUTBOX_POLL_MIN).")
    Duration pollMin;

    @Option(names = "--poll-max", defaultValue = "${env:OUTBOX_POLL_MAX:-" + WorkerConfig.DEFAULT_POLL_MAX_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "Longest wait between polls while idle: the worst-case pickup delay (env OUTBOX_POLL_MAX).")
    Duration pollMax;

    @Option(names = "--lease", defaultValue = "${env:OUTBOX_LEASE:-" + WorkerConfig.DEFAULT_LEASE_TEXT + "}", converter = Converters.DurationConverter.class,
            description = "How long a claimed delivery is this worker's; after it, another worker takes it "
                    + "over. Must exceed connect + request timeout + 5s (env OUTBOX_LEASE).")
    Duration lease;

    @Option(names = "--connect-timeout", defaultValue = "${env:OUTBOX_CONNECT_TIMEOUT:-" + WorkerConfig.DEFAULT_CONNECT_TIMEOUT_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "Bound on the name lookup, and on the TCP/TLS connect (env OUTBOX_CONNECT_TIMEOUT).")
    Duration connectTimeout;

    @Option(names = "--request-timeout", defaultValue = "${env:OUTBOX_REQUEST_TIMEOUT:-" + WorkerConfig.DEFAULT_REQUEST_TIMEOUT_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "Bound on waiting for the response (env OUTBOX_REQUEST_TIMEOUT).")
    Duration requestTimeout;

    @Option(names = "--retry-schedule", defaultValue = "${env:OUTBOX_RETRY_SCHEDULE:-" + RetrySchedule.DEFAULT_TEXT + "}",
            description = "Delays between failed attempts; attempts = delays + 1; 'none' for a single attempt "
                    + "(env OUTBOX_RETRY_SCHEDULE).")
    String retrySchedule;

    @Option(names = "--retry-jitter", defaultValue = "${env:OUTBOX_RETRY_JITTER:-" + RetrySchedule.DEFAULT_JITTER + "}",
            description = "Each delay varies by up to this fraction, 0 to 0.99 (env OUTBOX_RETRY_JITTER).")
    double retryJitter;

    @Option(names = "--max-retry-after", defaultValue = "${env:OUTBOX_MAX_RETRY_AFTER:-" + WorkerConfig.DEFAULT_MAX_RETRY_AFTER_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "Longest Retry-After (on 429/503) honoured (env OUTBOX_MAX_RETRY_AFTER).")
    Duration maxRetryAfter;

    @Option(names = "--auto-disable-after", defaultValue = "${env:OUTBOX_AUTO_DISABLE_AFTER:-" + WorkerConfig.DEFAULT_AUTO_DISABLE_AFTER_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "Disable an endpoint that has failed continuously this long (and write endpoint.disabled "
                    + "for its account); 0s never (env OUTBOX_AUTO_DISABLE_AFTER).")
    Duration autoDisableAfter;

    @Option(names = "--breaker-threshold", defaultValue = "${env:OUTBOX_BREAKER_THRESHOLD:-" + CircuitBreaker.DEFAULT_THRESHOLD + "}",
            description = "Consecutive failed attempts to an endpoint (from all workers) that open its circuit "
                    + "breaker: its deliveries are then held back, without spending attempts, for a pause; 0 never "
                    + "opens it (env OUTBOX_BREAKER_THRESHOLD).")
    int breakerThreshold;

    @Option(names = "--breaker-pause", defaultValue = "${env:OUTBOX_BREAKER_PAUSE:-" + CircuitBreaker.DEFAULT_PAUSE_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "First pause of an open breaker; then one probe goes, and each failed probe doubles the "
                    + "pause (shortened by up to 20%% at random) (env OUTBOX_BREAKER_PAUSE).")
    Duration breakerPause;

    @Option(names = "--breaker-max-pause", defaultValue = "${env:OUTBOX_BREAKER_MAX_PAUSE:-" + CircuitBreaker.DEFAULT_MAX_PAUSE_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "Longest pause of an open breaker: the longest a recovered endpoint waits for its next "
                    + "probe (env OUTBOX_BREAKER_MAX_PAUSE).")
    Duration breakerMaxPause;

    @Option(names = "--max-payload-bytes", defaultValue = "${env:OUTBOX_MAX_PAYLOAD_BYTES:-" + WorkerConfig.DEFAULT_MAX_PAYLOAD_BYTES + "}",
            description = "Larger outbox payloads are rejected, not sent (env OUTBOX_MAX_PAYLOAD_BYTES).")
    int maxPayloadBytes;

    @Option(names = "--response-excerpt-bytes", defaultValue = "${env:OUTBOX_RESPONSE_EXCERPT_BYTES:-" + WorkerConfig.DEFAULT_RESPONSE_EXCERPT_BYTES + "}",
            description = "Response body bytes read and kept in the audit log; the rest is not read "
                    + "(env OUTBOX_RESPONSE_EXCERPT_BYTES).")
    int responseExcerptBytes;

    @Option(names = "--shutdown-grace", defaultValue = "${env:OUTBOX_SHUTDOWN_GRACE:-" + WorkerConfig.DEFAULT_SHUTDOWN_GRACE_TEXT + "}",
            converter = Converters.DurationConverter.class,
            description = "On stop, how long requests in flight may finish (env OUTBOX_SHUTDOWN_GRACE).")
    Duration shutdownGrace;

    @Option(names = "--allow-private-network", defaultValue = "${env:OUTBOX_ALLOW_PRIVATE_NETWORK:-false}",
            description = "Permit loopback, private and link-local destinations. For tests and demos only: "
                    + "in production it lets a customer URL reach your internal network "
                    + "(env OUTBOX_ALLOW_PRIVATE_NETWORK).")
    boolean allowPrivateNetwork;

    static final String EGRESS_PROXY_HELP = "Send every delivery through this HTTP forward proxy (e.g. Smokescreen), "
            + "http://HOST:PORT: plain http as absolute-form requests, https through CONNECT. The proxy then "
            + "resolves customers' names and is where internal addresses must be refused; the worker still "
            + "refuses internal addresses written in URLs. Without it no proxy is used, whatever the JVM's "
            + "proxy properties say (env OUTBOX_EGRESS_PROXY).";

    @Option(names = "--egress-proxy", defaultValue = "${env:OUTBOX_EGRESS_PROXY}",
            converter = Converters.EgressProxyConverter.class, description = EGRESS_PROXY_HELP)
    EgressProxy egressProxy;

    @Option(names = "--require-https", defaultValue = "${env:OUTBOX_REQUIRE_HTTPS:-false}",
            description = "Refuse to send to plain-http endpoints (each attempt fails with the reason); production "
                    + "should set it (env OUTBOX_REQUIRE_HTTPS).")
    boolean requireHttps;

    @Option(names = "--listen", defaultValue = "${env:OUTBOX_LISTEN:-false}",
            description = "Also LISTEN on channel webhook_outbox and claim as soon as an application's transaction "
                    + "that ran NOTIFY webhook_outbox commits, instead of at the next poll; polling goes on, so "
                    + "events inserted without NOTIFY are delivered all the same. Holds one more database "
                    + "connection (env OUTBOX_LISTEN).")
    boolean listen;

    @Option(names = "--exit-when-idle", description = "Deliver everything due now, then exit 0.")
    boolean exitWhenIdle;

    @Option(names = "--http-port", defaultValue = "${env:OUTBOX_HTTP_PORT}",
            description = "Serve /metrics (Prometheus), /health/live and /health/ready on this port; off when "
                    + "not given (env OUTBOX_HTTP_PORT).")
    Integer httpPort;

    @Option(names = "--http-host", defaultValue = "${env:OUTBOX_HTTP_HOST:-0.0.0.0}",
            description = "Address the metrics and health server listens on (env OUTBOX_HTTP_HOST).")
    String httpHost;

    @Override
    public Integer call() throws Exception {
        WorkerConfig config = config();
        PrometheusMeterRegistry registry = httpPort == null ? null : Observability.registry();
        // --listen holds one more connection for as long as the worker runs. Closing the tracing SDK
        // last exports the spans still buffered.
        try (OpenTelemetrySdk tracing = TracingFromEnvironment.start();
             Database db = database.open(listen ? 5 : 4, registry)) {
            // Refuse to start rather than fail every signed delivery: sealed secrets need their key.
            EndpointSecrets secrets = new EndpointSecrets(db.dsl(), config.secrets());
            secrets.checkAllCanBeOpened();
            secrets.sealAll();
            try (SecretSweeper sweeper = SecretSweeper.start(secrets, SecretSweeper.DEFAULT_INTERVAL);
                 AuditPartitions.Keeper partitions = AuditPartitions.Keeper.start(new AuditPartitions(db.dsl()),
                         Clock.systemUTC(), AuditPartitions.DEFAULT_DAYS_AHEAD, AuditPartitions.DEFAULT_INTERVAL)) {
                run(db, config, registry, tracing == null ? OpenTelemetry.noop() : tracing);
            }
        }
        return Main.OK;
    }

    private void run(Database db, WorkerConfig config, PrometheusMeterRegistry registry, OpenTelemetry tracing)
            throws Exception {
        WorkerMetrics metrics = null;
        Worker[] self = new Worker[1];
        if (registry != null) {
            metrics = new WorkerMetrics(registry, config.workerId(), () -> self[0] == null ? 0 : self[0].inFlight());
            new BacklogGauges(db.dsl(), Clock.systemUTC(), registry);
        }
        try (Worker worker = new Worker(db.dsl(), config, Clock.systemUTC(),
                metrics == null ? DeliveryListener.NONE : metrics, tracing);
             ObservabilityServer server = registry == null ? null : new ObservabilityServer(httpHost, httpPort,
                     registry, ObservabilityServer.readiness(db::answers, worker::loopAlive));
             WakeupListener wakeups = listen ? WakeupListener.start(db.dataSource(), worker::wake) : null) {
            self[0] = worker;
            StopSignals.onTermOrInt(() -> {
                try {
                    worker.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            worker.start();
            worker.awaitStopped();
        }
    }

    private WorkerConfig config() {
        try {
            return WorkerConfig.builder(workerId == null || workerId.isBlank() ? defaultWorkerId() : workerId)
                    .concurrency(concurrency).maxInFlightPerEndpoint(maxInFlightPerEndpoint).batchSize(batchSize).routeBatchSize(routeBatchSize)
                    .pollMin(pollMin).pollMax(pollMax).lease(lease)
                    .connectTimeout(connectTimeout).requestTimeout(requestTimeout)
                    .retrySchedule(RetrySchedule.parse(retrySchedule, retryJitter)).maxRetryAfter(maxRetryAfter).autoDisableAfter(autoDisableAfter)
                    .maxPayloadBytes(maxPayloadBytes).responseExcerptBytes(responseExcerptBytes)
                    .shutdownGrace(shutdownGrace).allowPrivateNetwork(allowPrivateNetwork).egressProxy(egressProxy)
                    .requireHttps(requireHttps)
                    .exitWhenIdle(exitWhenIdle).secrets(SecretKeys.fromEnvironment())
                    .breaker(new CircuitBreaker(breakerThreshold, breakerPause, breakerMaxPause,
                            CircuitBreaker.DEFAULT_JITTER))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        String pid = ManagementFactory.getRuntimeMXBean().getName().split("@")[0];
        return host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 4);
    }
}
