package com.d3.webhooks.demo;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_LOGS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX_UNROUTED;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.countDistinct;
import static org.jooq.impl.DSL.select;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.tracing.TraceContextColumns;
import io.opentelemetry.api.trace.SpanContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * What the demo reads back, one method per statement, each for one run's account. The
 * statements a person can run by hand ({@link #inspect}) are the same queries in plain SQL.
 */
final class DemoQueries {

    /** The summary, in SQL a person can paste into psql; {@link #summary} runs the same query. */
    static final String SUMMARY_SQL = "SELECT event_type, count(DISTINCT delivery_id) AS deliveries, "
            + "count(*) AS attempts, count(*) FILTER (WHERE status = 'success') AS successes, "
            + "count(*) FILTER (WHERE status = 'failed') AS failures "
            + "FROM webhook_audit_logs WHERE account_id = '%s' GROUP BY event_type ORDER BY event_type";
    static final String ATTEMPTS_SQL = "SELECT sent_at, event_type, delivery_id, attempt_number, status, "
            + "response_status, response_body FROM webhook_audit_logs WHERE account_id = '%s' ORDER BY id";
    static final String DELIVERIES_SQL = "SELECT id, event_type, state, attempts, last_status, completed_at "
            + "FROM webhook_deliveries WHERE account_id = '%s' ORDER BY id";
    static final String TASKS_SQL = "SELECT id, status, completed_count, failed_count, total_count "
            + "FROM main_tasks WHERE account_id = '%s' ORDER BY created_at";
    static final String EVENTS_SQL = "SELECT id, event_type, payload FROM webhook_outbox "
            + "WHERE account_id = '%s' ORDER BY id";

    /**
     * Where the deliveries of a run stand.
     *
     * @param unrouted   events not yet fanned out to deliveries
     * @param deliveries deliveries created
     * @param unfinished deliveries pending or in flight
     * @param failed     deliveries failed for good
     */
    record Progress(int unrouted, int deliveries, int unfinished, int failed) {
    }

    private DemoQueries() {
    }

    /** Endpoints of accounts the demo did not create: a sign this is not a demo database. */
    static int foreignEndpoints(DSLContext dsl) {
        var e = WEBHOOK_ENDPOINTS;
        return dsl.fetchCount(e, e.ACCOUNT_ID.notLike(Demo.ACCOUNT_PREFIX.replace("_", "\\_") + "%"));
    }

    /** The trace id each traced event of the account carries, by event id. */
    static Map<UUID, String> traceIds(DSLContext dsl, String accountId) {
        var o = WEBHOOK_OUTBOX;
        Map<UUID, String> ids = new HashMap<>();
        dsl.select(o.EVENT_ID, o.TRACEPARENT).from(o).where(o.ACCOUNT_ID.eq(accountId)).and(o.TRACEPARENT.isNotNull())
                .forEach(r -> {
                    SpanContext trace = TraceContextColumns.parse(r.value2(), null);
                    if (trace.isValid()) {
                        ids.put(r.value1(), trace.getTraceId());
                    }
                });
        return ids;
    }

    static Progress progress(DSLContext dsl, String accountId) {
        var o = WEBHOOK_OUTBOX;
        var d = WEBHOOK_DELIVERIES;
        int unrouted = dsl.fetchCount(o, o.ACCOUNT_ID.eq(accountId)
                .and(o.ID.in(select(WEBHOOK_OUTBOX_UNROUTED.OUTBOX_ID).from(WEBHOOK_OUTBOX_UNROUTED))));
        var r = dsl.select(count(),
                        count().filterWhere(d.STATE.notIn(DeliveryState.SUCCEEDED.sql(), DeliveryState.FAILED.sql())),
                        count().filterWhere(d.STATE.eq(DeliveryState.FAILED.sql())))
                .from(d)
                .where(d.ACCOUNT_ID.eq(accountId))
                .fetchSingle();
        return new Progress(unrouted, r.value1(), r.value2(), r.value3());
    }

    /**
     * {@link #SUMMARY_SQL}, with the receiver's count of requests whose signatures verified added
     * per event type.
     */
    static List<DemoResult.SummaryRow> summary(DSLContext dsl, String accountId, Map<String, Integer> verified) {
        var a = WEBHOOK_AUDIT_LOGS;
        List<DemoResult.SummaryRow> rows = new ArrayList<>();
        for (var r : dsl.select(a.EVENT_TYPE, countDistinct(a.DELIVERY_ID), count(),
                        count().filterWhere(a.STATUS.eq(AuditEntry.SUCCESS)),
                        count().filterWhere(a.STATUS.eq(AuditEntry.FAILED)))
                .from(a)
                .where(a.ACCOUNT_ID.eq(accountId))
                .groupBy(a.EVENT_TYPE)
                .orderBy(a.EVENT_TYPE)
                .fetch()) {
            rows.add(new DemoResult.SummaryRow(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(),
                    verified.getOrDefault(r.value1(), 0)));
        }
        return rows;
    }

    static DemoResult.SummaryRow total(List<DemoResult.SummaryRow> rows) {
        return new DemoResult.SummaryRow("total",
                rows.stream().mapToInt(DemoResult.SummaryRow::deliveries).sum(),
                rows.stream().mapToInt(DemoResult.SummaryRow::attempts).sum(),
                rows.stream().mapToInt(DemoResult.SummaryRow::successes).sum(),
                rows.stream().mapToInt(DemoResult.SummaryRow::failures).sum(),
                rows.stream().mapToInt(DemoResult.SummaryRow::signaturesVerified).sum());
    }

    /** One line on the first failed delivery of the run: which, after how many attempts, and why. */
    static String failureReason(DSLContext dsl, String accountId) {
        var d = WEBHOOK_DELIVERIES;
        var a = WEBHOOK_AUDIT_LOGS;
        var failed = dsl.select(d.ID, d.EVENT_TYPE, d.ATTEMPTS)
                .from(d)
                .where(d.ACCOUNT_ID.eq(accountId).and(d.STATE.eq(DeliveryState.FAILED.sql())))
                .orderBy(d.ID)
                .fetch();
        var first = failed.get(0);
        var last = dsl.select(a.ERROR_MESSAGE, a.RESPONSE_BODY)
                .from(a)
                .where(a.DELIVERY_ID.eq(first.value1()))
                .orderBy(a.ATTEMPT_NUMBER.desc(), a.ID.desc())
                .limit(1)
                .fetchOne();
        String why = last == null ? "no attempt was audited"
                : last.value1() + (last.value2() == null || last.value2().isBlank() ? ""
                        : " (" + last.value2().replaceAll("\\s+", " ").trim() + ")");
        return failed.size() + " of the run's deliveries failed; the first, delivery " + first.value1() + " ("
                + first.value2() + "), after " + first.value3() + " attempts: " + why;
    }

    /** The commands that show the same data by hand. */
    static List<DemoResult.Inspect> inspect(String jdbcUrl, String user, String accountId) {
        String psql = "psql '" + DemoDatabase.psqlUri(jdbcUrl, user) + "' -c \"";
        List<DemoResult.Inspect> out = new ArrayList<>();
        out.add(new DemoResult.Inspect("the summary above, from webhook_audit_logs",
                psql + String.format(SUMMARY_SQL, accountId) + "\""));
        out.add(new DemoResult.Inspect("every attempt, with the receiver's answer",
                psql + String.format(ATTEMPTS_SQL, accountId) + "\""));
        out.add(new DemoResult.Inspect("the deliveries and their state",
                psql + String.format(DELIVERIES_SQL, accountId) + "\""));
        out.add(new DemoResult.Inspect("the events the task lifecycle wrote",
                psql + String.format(EVENTS_SQL, accountId) + "\""));
        out.add(new DemoResult.Inspect("the operations (main tasks)",
                psql + String.format(TASKS_SQL, accountId) + "\""));
        out.add(new DemoResult.Inspect("the endpoint (its secret is never shown)",
                "bin/outbox endpoints list --database-url '" + DemoDatabase.withoutPassword(jdbcUrl) + "'"
                        + (user == null ? "" : " --database-user '" + user + "'") + " --account " + accountId));
        return out;
    }
}
