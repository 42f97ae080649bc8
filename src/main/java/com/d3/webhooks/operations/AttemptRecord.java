package com.d3.webhooks.operations;

import java.time.OffsetDateTime;

/** One audited attempt of a delivery (a webhook_audit_logs row, without the payload). */
public record AttemptRecord(int attemptNumber, OffsetDateTime sentAt, String status, Integer responseStatus,
                            String errorMessage, int durationMs, String workerId, String targetUrl,
                            String responseBody) {
}
