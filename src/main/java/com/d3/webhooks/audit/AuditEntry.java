package com.d3.webhooks.audit;

import java.time.Instant;
import java.util.UUID;

/**
 * One attempt, as the worker reports it. Never holds the endpoint secret, nor the request body:
 * the body is built from the outbox row alone, and the webhook_audit_logs view rebuilds it from
 * there (migrations/V21). The account and event type, for metrics and logs, are not written to
 * webhook_audit_attempts either: the view takes them from the outbox row too.
 *
 * @param status         {@code success} or {@code failed}
 * @param responseStatus HTTP status, null when no response arrived
 * @param responseBody   the first bytes of the response body, null when none
 * @param errorMessage   why the attempt failed, null on success
 */
public record AuditEntry(
        long deliveryId,
        UUID eventId,
        long endpointId,
        String accountId,
        String eventType,
        String targetUrl,
        int attemptNumber,
        String status,
        Integer responseStatus,
        String responseBody,
        String errorMessage,
        int durationMs,
        String workerId,
        Instant sentAt) {

    public static final String SUCCESS = "success";
    public static final String FAILED = "failed";

    public boolean succeeded() {
        return SUCCESS.equals(status);
    }
}
