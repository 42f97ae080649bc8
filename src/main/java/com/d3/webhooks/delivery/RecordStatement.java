package com.d3.webhooks.delivery;

import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.audit.AuditLog;
import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.delivery.DeliveryRepository.Settlement;
import com.d3.webhooks.endpoints.EndpointHealth;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jooq.DSLContext;

/**
 * Records a batch of attempts in one statement of data-modifying CTEs: the audit rows, the
 * fenced settle ({@link DeliveryRepository#settleSql}), and the endpoints' health
 * ({@link EndpointHealth}) and breakers ({@link CircuitBreaker}) in one UPDATE of their rows (two
 * CTEs updating one row would apply only one of the two). It returns the ids it settled, the
 * breakers it opened and the endpoints that have now failed long enough to be disabled.
 *
 * <p>In autocommit it is the whole record of the common batch, one round trip instead of a
 * transaction of several; in the recorder's transaction it is the first of the statements the
 * rarer batches need. A worker has two texts of it, each stable: with the check for endpoints
 * failing too long (see CHECK) and without. It is planned at every call for the settle's sake (see
 * {@link DeliveryRepository}).
 */
final class RecordStatement {

    /*
     * a: the statement's constants; v: one row per endpoint of the batch, in id order (the order in
     * which its rows are locked, as the admission statement locks them). Parameters in order: a's,
     * v's arrays, the audit rows, the settle's. %2$s, %4$s, %9$s, %11$s and the settle's last
     * condition: the check for endpoints failing too long (see CHECK), or nothing.
     */
    private static final String SQL = """
            WITH a AS (
                SELECT ?::timestamptz AS now, ?::timestamptz AS disable_before, ?::boolean AS hold, %1$s
            ),
            v AS (
                SELECT * FROM unnest(?::bigint[], ?::integer[], ?::boolean[], ?::boolean[])
                       AS v(id, failures, succeeded, probe_failed)
            ),%2$s
            audit AS (
            %3$s%4$s
            ),
            settled AS (
            %5$s
            ),
            endpoints AS (
                UPDATE webhook_endpoints e
                   SET %6$s
                  FROM v, a
                 WHERE e.id = v.id AND (%7$s OR %8$s)%9$s
                RETURNING e.id, %10$s AS opened, e.breaker_open_until, e.breaker_openings, e.consecutive_failures
            )
            SELECT 's' AS kind, id, NULL::timestamptz AS at, NULL::integer AS openings, NULL::integer AS failures
              FROM settled
            UNION ALL
            SELECT 'o', id, breaker_open_until, breaker_openings, consecutive_failures FROM endpoints WHERE opened%11$s""";

    /**
     * The check for endpoints failing too long, only where the batch has an endpoint without a
     * success and auto-disable is on (it costs planning at every call): its CTEs, the condition of
     * every write (see {@link #run}'s hold), as a WHERE of the audit insert (which ends with its
     * FROM) and as an AND of the others, and its rows of the result.
     */
    private static final String CHECK = """

            failing_too_long AS (
            %s
            ),
            go AS (
                SELECT NOT (a.hold AND EXISTS (SELECT FROM failing_too_long)) AS ok FROM a
            ),""".formatted(EndpointHealth.FAILING_TOO_LONG);
    private static final String CHECK_WHERE = "\n WHERE (SELECT ok FROM go)";
    private static final String CHECK_AND = "\n   AND (SELECT ok FROM go)";
    private static final String CHECK_RESULT =
            "\nUNION ALL\nSELECT 'f', id, failing_since, NULL, NULL FROM failing_too_long";

    private final WorkerConfig config;
    /** Without the check and with it. */
    private final String lean;
    private final String checked;

    RecordStatement(WorkerConfig config) {
        this.config = config;
        this.lean = compose(config.breaker(), false);
        this.checked = compose(config.breaker(), true);
    }

    private static String compose(CircuitBreaker breaker, boolean check) {
        String assignments = Stream.of(EndpointHealth.ASSIGNMENTS, breaker.assignments())
                .filter(s -> !s.isEmpty()).collect(Collectors.joining(",\n"));
        String and = check ? CHECK_AND : "";
        return SQL.formatted(CircuitBreaker.PARAMETERS, check ? CHECK : "", AuditLog.APPEND_SQL,
                check ? CHECK_WHERE : "", DeliveryRepository.settleSql(and), assignments, EndpointHealth.CHANGES,
                breaker.changes(), and, breaker.opened(), check ? CHECK_RESULT : "");
    }

    /**
     * What the statement did. {@code applied} false: it wrote nothing, because an endpoint of the
     * batch is to be disabled ({@code failingTooLong}) and the statement was told to hold.
     */
    record Result(boolean applied, Set<Long> settled, List<CircuitBreaker.Opened> opened,
                  Map<Long, OffsetDateTime> failingTooLong) {
    }

    /**
     * Runs the statement on {@code dsl}'s connection, in its transaction if it has one. With
     * {@code hold}, it writes nothing if an endpoint of the batch is now to be disabled: a disable
     * must commit with the batch that caused it, so the caller records that batch again in a
     * transaction, with {@code hold} false, and disables them there
     * ({@link EndpointHealth#disableFailing}).
     */
    Result run(DSLContext dsl, boolean hold, List<AuditEntry> audits, List<Settlement> settlements,
               List<CircuitBreaker.Outcome> outcomes, Instant now) {
        List<CircuitBreaker.Outcome> sorted = outcomes.stream()
                .sorted(Comparator.comparingLong(CircuitBreaker.Outcome::endpointId)).toList();
        int n = sorted.size();
        Long[] ids = new Long[n];
        Integer[] failures = new Integer[n];
        Boolean[] succeeded = new Boolean[n];
        Boolean[] probeFailed = new Boolean[n];
        for (int i = 0; i < n; i++) {
            CircuitBreaker.Outcome o = sorted.get(i);
            ids[i] = o.endpointId();
            failures[i] = o.failures();
            succeeded[i] = o.succeeded();
            probeFailed[i] = o.probeFailed();
        }
        boolean check = !config.autoDisableAfter().isZero() && !Arrays.stream(succeeded).allMatch(b -> b);
        return dsl.connectionResult(c -> {
            try (PreparedStatement ps = DeliveryRepository.prepareEachCall(c, check ? checked : lean)) {
                ps.setObject(1, DbTime.utc(now));
                ps.setObject(2, EndpointHealth.disableBefore(now, config.autoDisableAfter()));
                ps.setBoolean(3, hold);
                int i = config.breaker().bindParameters(ps, 4);
                ps.setArray(i++, c.createArrayOf("bigint", ids));
                ps.setArray(i++, c.createArrayOf("integer", failures));
                ps.setArray(i++, c.createArrayOf("boolean", succeeded));
                ps.setArray(i++, c.createArrayOf("boolean", probeFailed));
                i = AuditLog.bind(c, ps, i, audits);
                DeliveryRepository.bindSettle(c, ps, i, config.workerId(), settlements, now);
                Set<Long> settled = new HashSet<>();
                List<CircuitBreaker.Opened> opened = new ArrayList<>();
                Map<Long, OffsetDateTime> failingTooLong = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(2);
                        switch (rs.getString(1)) {
                            case "s" -> settled.add(id);
                            case "o" -> opened.add(new CircuitBreaker.Opened(id,
                                    rs.getObject(3, OffsetDateTime.class).toInstant(), rs.getInt(4), rs.getInt(5)));
                            default -> failingTooLong.put(id, rs.getObject(3, OffsetDateTime.class));
                        }
                    }
                }
                return new Result(!hold || failingTooLong.isEmpty(), settled, opened, failingTooLong);
            }
        });
    }
}
