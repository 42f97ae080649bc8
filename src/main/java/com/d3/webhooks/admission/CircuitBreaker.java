package com.d3.webhooks.admission;

import com.d3.webhooks.config.Durations;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The circuit breaker of every endpoint, shared by all workers through columns of
 * {@code webhook_endpoints} (migration V8). After {@code threshold} consecutive failed attempts
 * the breaker opens for {@code pause}; each further opening without a success in between doubles
 * the pause, up to {@code maxPause}, shortened by up to {@code jitter} at random so that endpoints
 * that failed together do not all probe together. While it is open the worker holds the
 * endpoint's deliveries back without an attempt ({@code EndpointAdmission}); when the pause is
 * over one probe goes; its failure opens the breaker again for a longer pause, and any success
 * closes it and forgets the count.
 *
 * <p>It is written by the statement that records a batch of attempt outcomes, in the same
 * UPDATE of the batch's endpoints as their health ({@link #assignments}).
 *
 * @param threshold consecutive failed attempts that open the breaker; 0 turns breaking off
 * @param pause     the first pause
 * @param maxPause  the longest pause
 * @param jitter    each pause is shortened by up to this fraction, 0 to 0.5
 */
public record CircuitBreaker(int threshold, Duration pause, Duration maxPause, double jitter) {

    public static final int DEFAULT_THRESHOLD = 5;
    public static final String DEFAULT_PAUSE_TEXT = "5s";
    public static final Duration DEFAULT_PAUSE = Durations.parse(DEFAULT_PAUSE_TEXT);
    public static final String DEFAULT_MAX_PAUSE_TEXT = "10m";
    public static final Duration DEFAULT_MAX_PAUSE = Durations.parse(DEFAULT_MAX_PAUSE_TEXT);
    public static final double DEFAULT_JITTER = 0.2;
    public static final CircuitBreaker DEFAULT =
            new CircuitBreaker(DEFAULT_THRESHOLD, DEFAULT_PAUSE, DEFAULT_MAX_PAUSE, DEFAULT_JITTER);
    public static final CircuitBreaker OFF = new CircuitBreaker(0, DEFAULT_PAUSE, DEFAULT_MAX_PAUSE, DEFAULT_JITTER);

    public CircuitBreaker {
        List<String> problems = new ArrayList<>();
        if (threshold < 0 || threshold > 1000) {
            problems.add("breaker threshold must be 0 (off) to 1000 consecutive failures (got " + threshold + ")");
        }
        if (pause == null || maxPause == null || pause.toMillis() < 1 || maxPause.compareTo(pause) < 0
                || maxPause.compareTo(Duration.ofDays(1)) > 0) {
            problems.add("breaker pause must be at least 1ms and breaker max pause at least the pause, at most 1d "
                    + "(got " + pause + ", " + maxPause + ")");
        }
        if (!(jitter >= 0 && jitter <= 0.5)) {
            problems.add("breaker jitter must be 0 to 0.5 (got " + jitter + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    public boolean enabled() {
        return threshold > 0;
    }

    /**
     * What one batch of recorded attempts says about one endpoint.
     *
     * @param failures    failed attempts to it in the batch
     * @param succeeded   at least one attempt succeeded: the breaker closes
     * @param probeFailed the probe of its half-open breaker failed: it opens again, longer
     */
    public record Outcome(long endpointId, int failures, boolean succeeded, boolean probeFailed) {
    }

    /** An endpoint whose breaker a batch opened: until when, and how many openings in a row. */
    public record Opened(long endpointId, Instant until, int openings, int consecutiveFailures) {
    }

    /**
     * The breaker's parameters, as columns of the one-row {@code a} that the pieces below read
     * (beside {@code a.now}); bound by {@link #bindParameters}.
     */
    public static final String PARAMETERS =
            "?::bigint AS pause_ms, ?::bigint AS max_pause_ms, ?::float8 AS jitter, ?::int AS threshold";

    /** Binds {@link #PARAMETERS} from {@code first}; returns the next index. */
    public int bindParameters(PreparedStatement ps, int first) throws SQLException {
        ps.setLong(first, pause.toMillis());
        ps.setLong(first + 1, maxPause.toMillis());
        ps.setDouble(first + 2, jitter);
        ps.setInt(first + 3, threshold);
        return first + 4;
    }

    /*
     * The breaker's part of the statement that records a batch (the worker's RecordStatement): an
     * UPDATE of webhook_endpoints e from one row v(id, failures, succeeded, probe_failed) per
     * endpoint of the batch (see Outcome) and a. A success closes the breaker and resets the counts;
     * failures add up, and open a closed breaker once they reach the threshold; a failed probe opens
     * it again. Failures of attempts that were already on their way when the breaker opened are
     * counted but do not lengthen the pause. The SET expressions read the row as it is when locked
     * (also after waiting for another worker's recorder), so the decision to open is written out in
     * each of them rather than read from a subquery. With breaking off there is nothing to write.
     */
    private static final String OPENS = "(v.probe_failed OR (e.breaker_open_until IS NULL "
            + "AND e.consecutive_failures + v.failures >= a.threshold))";

    private static final String ASSIGNMENTS = """
            consecutive_failures = CASE WHEN v.succeeded THEN 0 ELSE e.consecutive_failures + v.failures END,
            breaker_openings = CASE WHEN v.succeeded THEN 0
                                    WHEN %1$s THEN e.breaker_openings + 1
                                    ELSE e.breaker_openings END,
            breaker_open_until = CASE WHEN v.succeeded THEN NULL
                WHEN %1$s THEN a.now + interval '1 millisecond'
                     * (least(a.max_pause_ms::float8, a.pause_ms * power(2, least(e.breaker_openings, 40)))
                        * (1 - a.jitter * random()))
                ELSE e.breaker_open_until END,
            breaker_opened_at = CASE WHEN NOT v.succeeded AND %1$s THEN a.now ELSE e.breaker_opened_at END"""
            .formatted(OPENS);

    /** The SET assignments; empty when breaking is off. */
    public String assignments() {
        return enabled() ? ASSIGNMENTS : "";
    }

    /** When the row has something of the breaker's to write: a failure, or a success after failures. */
    public String changes() {
        return enabled() ? "(NOT v.succeeded OR e.consecutive_failures > 0 OR e.breaker_open_until IS NOT NULL "
                + "OR e.breaker_openings > 0)" : "false";
    }

    /**
     * Over the row as updated: whether this statement opened the breaker (then {@link Opened} is
     * read from breaker_open_until, breaker_openings and consecutive_failures).
     */
    public String opened() {
        return enabled() ? "(e.breaker_opened_at = a.now AND e.breaker_open_until IS NOT NULL)" : "false";
    }
}
