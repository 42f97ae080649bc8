package com.d3.webhooks.operations;

import com.d3.webhooks.network.EndpointUrl;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_LOGS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.state.DeliveryState.FAILED;
import static com.d3.webhooks.state.DeliveryState.IN_FLIGHT;
import static com.d3.webhooks.state.DeliveryState.PAUSED;
import static com.d3.webhooks.state.DeliveryState.PENDING;
import static com.d3.webhooks.state.DeliveryState.SUCCEEDED;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.grouping;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.min;
import static org.jooq.impl.DSL.percentileCont;
import static org.jooq.impl.DSL.rollup;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * The numbers of {@code outbox stats}, per endpoint and overall, in two statements: one over
 * deliveries (pending and in-flight rows through their partial indexes, recent completions
 * through the completed_at index), one over the last day's audit rows.
 */
public final class Stats {

    private static final com.d3.webhooks.db.schema.tables.WebhookDeliveries D = WEBHOOK_DELIVERIES;
    private static final com.d3.webhooks.db.schema.tables.WebhookAuditLogs A = WEBHOOK_AUDIT_LOGS;

    private final DSLContext dsl;

    public Stats(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Overall first (endpointId null), then each endpoint with any activity, by id. */
    public List<EndpointStats> compute(Long endpointId, String accountId, Instant now) {
        OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
        OffsetDateTime hourAgo = at.minusHours(1);
        OffsetDateTime dayAgo = at.minusDays(1);

        Condition deliveriesOf = DSL.noCondition();
        Condition attemptsOf = DSL.noCondition();
        if (endpointId != null) {
            deliveriesOf = deliveriesOf.and(D.ENDPOINT_ID.eq(endpointId));
            attemptsOf = attemptsOf.and(A.ENDPOINT_ID.eq(endpointId));
        }
        if (accountId != null) {
            deliveriesOf = deliveriesOf.and(D.ACCOUNT_ID.eq(accountId));
            attemptsOf = attemptsOf.and(A.ACCOUNT_ID.eq(accountId));
        }

        var pending = count().filterWhere(D.STATE.eq(PENDING.sql()));
        var due = count().filterWhere(D.STATE.eq(PENDING.sql()).and(D.NEXT_ATTEMPT_AT.le(at)));
        var oldestDue = min(D.NEXT_ATTEMPT_AT).filterWhere(D.STATE.eq(PENDING.sql()).and(D.NEXT_ATTEMPT_AT.le(at)));
        var inFlight = count().filterWhere(D.STATE.eq(IN_FLIGHT.sql()));
        var paused = count().filterWhere(D.STATE.eq(PAUSED.sql()));
        var okHour = count().filterWhere(D.STATE.eq(SUCCEEDED.sql()).and(D.COMPLETED_AT.ge(hourAgo)));
        var failedHour = count().filterWhere(D.STATE.eq(FAILED.sql()).and(D.COMPLETED_AT.ge(hourAgo)));
        var okDay = count().filterWhere(D.STATE.eq(SUCCEEDED.sql()).and(D.COMPLETED_AT.ge(dayAgo)));
        var failedDay = count().filterWhere(D.STATE.eq(FAILED.sql()).and(D.COMPLETED_AT.ge(dayAgo)));
        var total = grouping(D.ENDPOINT_ID);
        Map<Long, Record> deliveries = new HashMap<>();
        Record overallDeliveries = null;
        for (Record r : dsl.select(D.ENDPOINT_ID, total, pending, due, oldestDue, inFlight, okHour, failedHour,
                        okDay, failedDay, paused)
                .from(D)
                .where(deliveriesOf)
                .and(D.STATE.in(PENDING.sql(), PAUSED.sql(), IN_FLIGHT.sql()).or(D.COMPLETED_AT.ge(dayAgo)))
                .groupBy(rollup(D.ENDPOINT_ID))
                .fetch()) {
            if (r.get(total) == 1) {
                overallDeliveries = r;
            } else {
                deliveries.put(r.get(D.ENDPOINT_ID), r);
            }
        }

        var attemptsTotal = grouping(A.ENDPOINT_ID);
        var attempts = count();
        var successes = count().filterWhere(A.STATUS.eq("success"));
        var p50 = percentileCont(inline(0.5)).withinGroupOrderBy(A.DURATION_MS);
        var p95 = percentileCont(inline(0.95)).withinGroupOrderBy(A.DURATION_MS);
        Map<Long, Record> audit = new HashMap<>();
        Record overallAudit = null;
        for (Record r : dsl.select(A.ENDPOINT_ID, attemptsTotal, attempts, successes, p50, p95)
                .from(A)
                .where(attemptsOf)
                .and(A.SENT_AT.ge(dayAgo))
                .groupBy(rollup(A.ENDPOINT_ID))
                .fetch()) {
            if (r.get(attemptsTotal) == 1) {
                overallAudit = r;
            } else {
                audit.put(r.get(A.ENDPOINT_ID), r);
            }
        }

        TreeSet<Long> ids = new TreeSet<>(deliveries.keySet());
        ids.addAll(audit.keySet());
        if (endpointId != null) {
            ids.add(endpointId);
        }
        var e = WEBHOOK_ENDPOINTS;
        Map<Long, Record> endpoints = new HashMap<>();
        dsl.select(e.ID, e.URL, e.ENABLED).from(e).where(e.ID.in(ids)).fetch()
                .forEach(r -> endpoints.put(r.get(e.ID), r));

        List<EndpointStats> out = new ArrayList<>();
        out.add(build(null, null, null, overallDeliveries, overallAudit, now));
        for (Long id : ids) {
            Record ep = endpoints.get(id);
            out.add(build(id, ep == null ? null : EndpointUrl.redact(ep.get(e.URL)), ep == null ? null : ep.get(e.ENABLED),
                    deliveries.get(id), audit.get(id), now));
        }
        return out;
    }

    /** {@code d}: endpoint, grouping, pending, due, oldest due, in flight, ok/failed hour, ok/failed day, paused. */
    private static EndpointStats build(Long id, String url, Boolean enabled, Record d, Record a, Instant now) {
        long attempts = a == null ? 0 : a.get(2, Long.class);
        long successes = a == null ? 0 : a.get(3, Long.class);
        OffsetDateTime oldest = d == null ? null : d.get(4, OffsetDateTime.class);
        return new EndpointStats(id, url, enabled,
                longAt(d, 2), longAt(d, 10), longAt(d, 3),
                oldest == null ? null : Duration.between(oldest.toInstant(), now).toSeconds(),
                longAt(d, 5), longAt(d, 6), longAt(d, 7), longAt(d, 8), longAt(d, 9),
                attempts,
                attempts == 0 ? null : (double) successes / attempts,
                a == null ? null : a.get(4, Double.class),
                a == null ? null : a.get(5, Double.class));
    }

    private static long longAt(Record r, int index) {
        return r == null ? 0 : r.get(index, Long.class);
    }
}
