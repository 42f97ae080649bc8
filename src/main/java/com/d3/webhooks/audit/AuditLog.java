package com.d3.webhooks.audit;

import java.sql.PreparedStatement;
import java.util.List;
import org.jooq.DSLContext;

/**
 * Appends attempts to webhook_audit_attempts; rows are never updated. The event's account, type
 * and body stay NULL there: the webhook_audit_logs view takes them from the event's outbox row.
 */
public final class AuditLog {

    /**
     * One statement for any number of rows: the columns travel as arrays, so the text never
     * changes and the server plans it once (plain JDBC: it runs for every recorded batch).
     */
    private static final String APPEND_SQL = """
            INSERT INTO webhook_audit_attempts (delivery_id, event_id, endpoint_id, target_url, attempt_number,
                   status, response_status, response_body, error_message, duration_ms, worker_id, sent_at)
            SELECT * FROM unnest(?::bigint[], ?::uuid[], ?::bigint[], ?::text[], ?::integer[], ?::text[],
                   ?::integer[], ?::text[], ?::text[], ?::integer[], ?::text[], ?::timestamptz[])""";

    private AuditLog() {
    }

    /** One INSERT in the caller's transaction. */
    public static void append(DSLContext tx, List<AuditEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        int n = entries.size();
        Long[] deliveryIds = new Long[n];
        String[] eventIds = new String[n];
        Long[] endpointIds = new Long[n];
        String[] urls = new String[n];
        Integer[] attempts = new Integer[n];
        String[] statuses = new String[n];
        Integer[] responseStatuses = new Integer[n];
        String[] bodies = new String[n];
        String[] errors = new String[n];
        Integer[] durations = new Integer[n];
        String[] workers = new String[n];
        String[] sentAt = new String[n];
        for (int i = 0; i < n; i++) {
            AuditEntry e = entries.get(i);
            deliveryIds[i] = e.deliveryId();
            eventIds[i] = e.eventId().toString();
            endpointIds[i] = e.endpointId();
            urls[i] = e.targetUrl();
            attempts[i] = e.attemptNumber();
            statuses[i] = e.status();
            responseStatuses[i] = e.responseStatus();
            bodies[i] = stripNul(e.responseBody());
            errors[i] = stripNul(e.errorMessage());
            durations[i] = e.durationMs();
            workers[i] = e.workerId();
            sentAt[i] = e.sentAt().toString();
        }
        tx.connection(c -> {
            try (PreparedStatement ps = c.prepareStatement(APPEND_SQL)) {
                ps.setArray(1, c.createArrayOf("bigint", deliveryIds));
                ps.setArray(2, c.createArrayOf("text", eventIds));
                ps.setArray(3, c.createArrayOf("bigint", endpointIds));
                ps.setArray(4, c.createArrayOf("text", urls));
                ps.setArray(5, c.createArrayOf("integer", attempts));
                ps.setArray(6, c.createArrayOf("text", statuses));
                ps.setArray(7, c.createArrayOf("integer", responseStatuses));
                ps.setArray(8, c.createArrayOf("text", bodies));
                ps.setArray(9, c.createArrayOf("text", errors));
                ps.setArray(10, c.createArrayOf("integer", durations));
                ps.setArray(11, c.createArrayOf("text", workers));
                ps.setArray(12, c.createArrayOf("text", sentAt));
                ps.executeUpdate();
            }
        });
    }

    /** PostgreSQL text cannot hold NUL; a hostile response body may contain it. */
    private static String stripNul(String s) {
        return s == null || s.indexOf('\0') < 0 ? s : s.replace("\0", "\\0");
    }
}
