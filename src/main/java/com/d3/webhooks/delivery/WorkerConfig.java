package com.d3.webhooks.delivery;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.network.EgressProxy;
import com.d3.webhooks.secrets.SecretSealer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a worker needs to know, validated once at start. Each default is a named constant
 * so that the CLI's --help, docs/configuration.md and the code say the same thing.
 *
 * @param workerId            name written into leases and audit rows; unique per process
 * @param concurrency         requests in flight at once (sender threads)
 * @param maxInFlightPerEndpoint requests in flight to any one endpoint from this worker, so a
 *                            slow or hanging endpoint holds at most this share of the senders;
 *                            an endpoint's own max_in_flight overrides it
 * @param batchSize           most deliveries claimed per statement
 * @param routeBatchSize      most events routed per transaction: each batch costs a few round trips
 *                            and a commit whatever its size, so a backlog routes faster in large
 *                            ones; a batch holds the claim loop up for its duration
 * @param pollMin             wait before polling again after finding nothing, at first
 * @param pollMax             the longest wait between polls while idle
 * @param lease               how long a claimed delivery belongs to this worker; after it, any
 *                            worker may take it again. Must exceed connect + request timeout
 * @param connectTimeout      TCP/TLS connect bound per request
 * @param requestTimeout      bound from request start to the response headers and body excerpt
 * @param retrySchedule       delays between failed attempts
 * @param maxRetryAfter       the longest Retry-After (429/503) honoured
 * @param autoDisableAfter    an endpoint failing continuously this long is disabled; zero: never
 * @param maxPayloadBytes     outbox payloads larger than this are rejected, not sent
 * @param responseExcerptBytes bytes of each response body kept in the audit log (the rest is
 *                            not read)
 * @param shutdownGrace       on stop, how long in-flight requests may finish before the
 *                            unfinished ones are released for another worker
 * @param allowPrivateNetwork permit loopback and private addresses (tests and the demo only)
 * @param egressProxy         the HTTP proxy every delivery goes through; null: none, whatever
 *                            proxy the JVM's properties name
 * @param requireHttps        refuse to send to plain-http endpoints (production should)
 * @param exitWhenIdle        drain everything due, then stop
 * @param secrets             opens sealed endpoint secrets for signing; {@link SecretSealer#none()}
 *                            opens plain text only
 * @param breaker             when an endpoint's circuit breaker opens and for how long;
 *                            {@link CircuitBreaker#OFF} never opens it
 */
public record WorkerConfig(
        String workerId,
        int concurrency,
        int maxInFlightPerEndpoint,
        int batchSize,
        int routeBatchSize,
        Duration pollMin,
        Duration pollMax,
        Duration lease,
        Duration connectTimeout,
        Duration requestTimeout,
        RetrySchedule retrySchedule,
        Duration maxRetryAfter,
        Duration autoDisableAfter,
        int maxPayloadBytes,
        int responseExcerptBytes,
        Duration shutdownGrace,
        boolean allowPrivateNetwork,
        EgressProxy egressProxy,
        boolean requireHttps,
        boolean exitWhenIdle,
        SecretSealer secrets,
        CircuitBreaker breaker) {

    // The worker command's option defaults are built from these constants: --help, the code and
    // docs/configuration.md (pinned by WorkerDefaultsTest) say the same.
    public static final int DEFAULT_CONCURRENCY = 16;
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT = 8;
    public static final int DEFAULT_BATCH_SIZE = 100;
    public static final int DEFAULT_ROUTE_BATCH_SIZE = 1000;
    public static final String DEFAULT_POLL_MIN_TEXT = "5ms";
    public static final Duration DEFAULT_POLL_MIN = Durations.parse(DEFAULT_POLL_MIN_TEXT);
    public static final String DEFAULT_POLL_MAX_TEXT = "500ms";
    public static final Duration DEFAULT_POLL_MAX = Durations.parse(DEFAULT_POLL_MAX_TEXT);
    public static final String DEFAULT_LEASE_TEXT = "60s";
    public static final Duration DEFAULT_LEASE = Durations.parse(DEFAULT_LEASE_TEXT);
    public static final String DEFAULT_CONNECT_TIMEOUT_TEXT = "5s";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Durations.parse(DEFAULT_CONNECT_TIMEOUT_TEXT);
    public static final String DEFAULT_REQUEST_TIMEOUT_TEXT = "15s";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Durations.parse(DEFAULT_REQUEST_TIMEOUT_TEXT);
    public static final String DEFAULT_MAX_RETRY_AFTER_TEXT = "1h";
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Durations.parse(DEFAULT_MAX_RETRY_AFTER_TEXT);
    /** As Svix does: five days of nothing but failures. */
    public static final String DEFAULT_AUTO_DISABLE_AFTER_TEXT = "5d";
    public static final Duration DEFAULT_AUTO_DISABLE_AFTER = Durations.parse(DEFAULT_AUTO_DISABLE_AFTER_TEXT);
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
    public static final int DEFAULT_RESPONSE_EXCERPT_BYTES = 4 * 1024;
    public static final String DEFAULT_SHUTDOWN_GRACE_TEXT = "20s";
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Durations.parse(DEFAULT_SHUTDOWN_GRACE_TEXT);

    public WorkerConfig {
        List<String> problems = new ArrayList<>();
        if (workerId == null || workerId.isBlank() || workerId.length() > 200) {
            problems.add("worker id must be 1 to 200 characters");
        }
        if (concurrency < 1 || concurrency > 1024) {
            problems.add("concurrency must be 1 to 1024 (got " + concurrency + ")");
        }
        if (maxInFlightPerEndpoint < 1) {
            problems.add("max in flight per endpoint must be at least 1 (got " + maxInFlightPerEndpoint + ")");
        }
        if (batchSize < 1 || batchSize > 10_000) {
            problems.add("batch size must be 1 to 10000 (got " + batchSize + ")");
        }
        if (routeBatchSize < 1 || routeBatchSize > 10_000) {
            problems.add("route batch size must be 1 to 10000 (got " + routeBatchSize + ")");
        }
        if (pollMin.isNegative() || pollMin.isZero() || pollMax.compareTo(pollMin) < 0) {
            problems.add("poll interval must be positive and poll-max at least poll-min (got "
                    + pollMin.toMillis() + "ms, " + pollMax.toMillis() + "ms)");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()
                || requestTimeout.isNegative() || requestTimeout.isZero()) {
            problems.add("connect and request timeouts must be positive");
        }
        if (lease.compareTo(connectTimeout.plus(requestTimeout).plusSeconds(5)) < 0) {
            problems.add("lease (" + lease.toSeconds() + "s) must exceed connect timeout + request timeout + 5s ("
                    + connectTimeout.plus(requestTimeout).plusSeconds(5).toSeconds()
                    + "s), or a slow request would be taken over while it is still running");
        }
        if (maxPayloadBytes < 1024) {
            problems.add("max payload must be at least 1024 bytes (got " + maxPayloadBytes + ")");
        }
        if (responseExcerptBytes < 0 || responseExcerptBytes > 1024 * 1024) {
            problems.add("response excerpt must be 0 to 1048576 bytes (got " + responseExcerptBytes + ")");
        }
        if (maxRetryAfter.isNegative() || shutdownGrace.isNegative() || autoDisableAfter.isNegative()) {
            problems.add("max Retry-After, auto-disable window and shutdown grace must not be negative");
        }
        if (breaker == null) {
            problems.add("breaker must be given (CircuitBreaker.OFF to never open one)");
        }
        if (secrets == null) {
            problems.add("secrets must be given (SecretSealer.none() when no key is configured)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    public static Builder builder(String workerId) {
        return new Builder(workerId);
    }

    public Builder toBuilder() {
        return new Builder(workerId).concurrency(concurrency).maxInFlightPerEndpoint(maxInFlightPerEndpoint)
                .batchSize(batchSize).routeBatchSize(routeBatchSize).pollMin(pollMin).pollMax(pollMax).lease(lease).connectTimeout(connectTimeout).requestTimeout(requestTimeout)
                .retrySchedule(retrySchedule).maxRetryAfter(maxRetryAfter).autoDisableAfter(autoDisableAfter)
                .maxPayloadBytes(maxPayloadBytes)
                .responseExcerptBytes(responseExcerptBytes).shutdownGrace(shutdownGrace)
                .allowPrivateNetwork(allowPrivateNetwork).egressProxy(egressProxy).requireHttps(requireHttps)
                .exitWhenIdle(exitWhenIdle)
                .secrets(secrets).breaker(breaker);
    }

    /** Starts from the defaults; {@link #build()} validates. */
    public static final class Builder {
        private final String workerId;
        private int concurrency = DEFAULT_CONCURRENCY;
        private int maxInFlightPerEndpoint = DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int routeBatchSize = DEFAULT_ROUTE_BATCH_SIZE;
        private Duration pollMin = DEFAULT_POLL_MIN;
        private Duration pollMax = DEFAULT_POLL_MAX;
        private Duration lease = DEFAULT_LEASE;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private RetrySchedule retrySchedule = RetrySchedule.DEFAULT;
        private Duration maxRetryAfter = DEFAULT_MAX_RETRY_AFTER;
        private Duration autoDisableAfter = DEFAULT_AUTO_DISABLE_AFTER;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private int responseExcerptBytes = DEFAULT_RESPONSE_EXCERPT_BYTES;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private boolean allowPrivateNetwork;
        private EgressProxy egressProxy;
        private boolean requireHttps;
        private boolean exitWhenIdle;
        private SecretSealer secrets = SecretSealer.none();
        private CircuitBreaker breaker = CircuitBreaker.DEFAULT;

        private Builder(String workerId) {
            this.workerId = workerId;
        }

        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder maxInFlightPerEndpoint(int v) { maxInFlightPerEndpoint = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder routeBatchSize(int v) { routeBatchSize = v; return this; }
        public Builder pollMin(Duration v) { pollMin = v; return this; }
        public Builder pollMax(Duration v) { pollMax = v; return this; }
        public Builder lease(Duration v) { lease = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder retrySchedule(RetrySchedule v) { retrySchedule = v; return this; }
        public Builder maxRetryAfter(Duration v) { maxRetryAfter = v; return this; }
        public Builder autoDisableAfter(Duration v) { autoDisableAfter = v; return this; }
        public Builder maxPayloadBytes(int v) { maxPayloadBytes = v; return this; }
        public Builder responseExcerptBytes(int v) { responseExcerptBytes = v; return this; }
        public Builder shutdownGrace(Duration v) { shutdownGrace = v; return this; }
        public Builder allowPrivateNetwork(boolean v) { allowPrivateNetwork = v; return this; }
        public Builder egressProxy(EgressProxy v) { egressProxy = v; return this; }
        public Builder requireHttps(boolean v) { requireHttps = v; return this; }
        public Builder exitWhenIdle(boolean v) { exitWhenIdle = v; return this; }
        public Builder secrets(SecretSealer v) { secrets = v; return this; }
        public Builder breaker(CircuitBreaker v) { breaker = v; return this; }

        public WorkerConfig build() {
            return new WorkerConfig(workerId, concurrency, maxInFlightPerEndpoint, batchSize, routeBatchSize, pollMin, pollMax,
                    lease,
                    connectTimeout, requestTimeout, retrySchedule, maxRetryAfter, autoDisableAfter, maxPayloadBytes,
                    responseExcerptBytes, shutdownGrace, allowPrivateNetwork, egressProxy, requireHttps, exitWhenIdle,
                    secrets, breaker);
        }
    }
}
