package com.d3.webhooks.admission;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.db.DbTime;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jooq.DSLContext;

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
 * <p>{@link #record} runs in the transaction that records attempt outcomes, one statement per
 * batch for all the endpoints in it.
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
     * Applies a batch's outcomes in one statement: a success closes the breaker and resets the
     * counts; failures add up, and open a closed breaker once they reach the threshold; a failed
     * probe opens it again. Failures of attempts that were already on their way when the breaker
     * opened are counted but do not lengthen the pause. Returns the breakers it opened.
     */
    public List<Opened> record(DSLContext tx, List<Outcome> outcomes, Instant now) {
        if (!enabled() || outcomes.isEmpty()) {
            return List.of();
        }
        // Endpoint rows are locked in id order, as the admission statement locks them.
        List<Outcome> sorted = outcomes.stream().sorted(Comparator.comparingLong(Outcome::endpointId)).toList();
        int n = sorted.size();
        Long[] ids = new Long[n];
        Integer[] failures = new Integer[n];
        Boolean[] succeeded = new Boolean[n];
        Boolean[] probeFailed = new Boolean[n];
        for (int i = 0; i < n; i++) {
            Outcome o = sorted.get(i);
            ids[i] = o.endpointId();
            failures[i] = o.failures();
            succeeded[i] = o.succeeded();
            probeFailed[i] = o.probeFailed();
        }
        OffsetDateTime at = DbTime.utc(now);
        return tx.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(RECORD_SQL)) {
                ps.setObject(1, at);
                ps.setLong(2, pause.toMillis());
                ps.setLong(3, maxPause.toMillis());
                ps.setDouble(4, jitter);
                ps.setInt(5, threshold);
                ps.setArray(6, c.createArrayOf("bigint", ids));
                ps.setArray(7, c.createArrayOf("integer", failures));
                ps.setArray(8, c.createArrayOf("boolean", succeeded));
                ps.setArray(9, c.createArrayOf("boolean", probeFailed));
                List<Opened> opened = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean("opened")) {
                            opened.add(new Opened(rs.getLong("id"),
                                    rs.getObject("breaker_open_until", OffsetDateTime.class).toInstant(),
                                    rs.getInt("breaker_openings"), rs.getInt("consecutive_failures")));
                        }
                    }
                }
                return opened;
            }
        });
    }

    /**
     * The SET expressions read the row as it is when locked (also after waiting for another
     * worker's recorder), so the decision to open is written out in each of them rather than
     * read from a subquery. Plain SQL over JDBC: it runs for every recorded batch.
     */
    private static final String OPENS = "(v.probe_failed OR (e.breaker_open_until IS NULL "
            + "AND e.consecutive_failures + v.failures >= a.threshold))";

    private static final String RECORD_SQL = """
            WITH a AS (
                SELECT ?::timestamptz AS now, ?::bigint AS pause_ms, ?::bigint AS max_pause_ms,
                       ?::float8 AS jitter, ?::int AS threshold
            )
            UPDATE webhook_endpoints e
               SET consecutive_failures = CASE WHEN v.succeeded THEN 0 ELSE e.consecutive_failures + v.failures END,
                   breaker_openings = CASE WHEN v.succeeded THEN 0
                                           WHEN %1$s THEN e.breaker_openings + 1
                                           ELSE e.breaker_openings END,
                   breaker_open_until = CASE WHEN v.succeeded THEN NULL
                       WHEN %1$s THEN a.now + interval '1 millisecond'
                            * (least(a.max_pause_ms::float8, a.pause_ms * power(2, least(e.breaker_openings, 40)))
                               * (1 - a.jitter * random()))
                       ELSE e.breaker_open_until END,
                   breaker_opened_at = CASE WHEN NOT v.succeeded AND %1$s THEN a.now ELSE e.breaker_opened_at END
              FROM unnest(?::bigint[], ?::int[], ?::boolean[], ?::boolean[]) AS v(id, failures, succeeded, probe_failed),
                   a
             WHERE e.id = v.id
               AND (NOT v.succeeded OR e.consecutive_failures > 0 OR e.breaker_open_until IS NOT NULL
                    OR e.breaker_openings > 0)
            RETURNING e.id, e.breaker_opened_at = a.now AND e.breaker_open_until IS NOT NULL AS opened,
                      e.breaker_open_until, e.breaker_openings, e.consecutive_failures""".formatted(OPENS);
}
