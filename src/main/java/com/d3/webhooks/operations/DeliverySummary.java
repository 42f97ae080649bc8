package com.d3.webhooks.operations;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One delivery as operators see it.
 *
 * @param attempts  attempts ever made (the audit numbering)
 * @param retryBase the value of attempts when the current retry budget began (a replay sets it)
 */
public record DeliverySummary(long id, UUID eventId, String eventType, String accountId, long endpointId,
                              String state, int attempts, int retryBase, OffsetDateTime nextAttemptAt,
                              String lockedBy, OffsetDateTime lockedUntil, Integer lastStatus, String lastError,
                              OffsetDateTime createdAt, OffsetDateTime updatedAt, OffsetDateTime completedAt) {
}
