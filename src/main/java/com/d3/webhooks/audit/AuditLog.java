package com.d3.webhooks.audit;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_LOGS;

import java.time.ZoneOffset;
import java.util.List;
import org.jooq.DSLContext;

/** Appends attempts to webhook_audit_logs; rows are never updated. */
public final class AuditLog {

    private AuditLog() {
    }

    /** One multi-row INSERT in the caller's transaction. */
    public static void append(DSLContext tx, List<AuditEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        var a = WEBHOOK_AUDIT_LOGS;
        var insert = tx.insertInto(a, a.DELIVERY_ID, a.EVENT_ID, a.ENDPOINT_ID, a.ACCOUNT_ID, a.EVENT_TYPE,
                a.TARGET_URL, a.PAYLOAD, a.ATTEMPT_NUMBER, a.STATUS, a.RESPONSE_STATUS, a.RESPONSE_BODY,
                a.ERROR_MESSAGE, a.DURATION_MS, a.WORKER_ID, a.SENT_AT);
        for (AuditEntry e : entries) {
            insert = insert.values(e.deliveryId(), e.eventId(), e.endpointId(), e.accountId(), e.eventType(),
                    e.targetUrl(), e.payload(), e.attemptNumber(), e.status(), e.responseStatus(),
                    stripNul(e.responseBody()), stripNul(e.errorMessage()), e.durationMs(), e.workerId(),
                    e.sentAt().atOffset(ZoneOffset.UTC));
        }
        insert.execute();
    }

    /** PostgreSQL text cannot hold NUL; a hostile response body may contain it. */
    private static String stripNul(String s) {
        return s == null || s.indexOf('\0') < 0 ? s : s.replace("\0", "\\0");
    }
}
