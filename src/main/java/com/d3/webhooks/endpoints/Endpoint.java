package com.d3.webhooks.endpoints;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A registered endpoint as operators see it. The secrets themselves are never part of this
 * value; only whether one is set and until when a rotated-out secret still signs.
 *
 * @param eventTypes              the types it wants; empty means every type
 * @param previousSecretExpiresAt until when the secret before the last rotation still signs;
 *                                null when there is none (it may lie in the past)
 */
public record Endpoint(long id, String accountId, String url, boolean hasSecret, List<String> eventTypes,
                       String description, boolean enabled, String disabledReason, OffsetDateTime disabledAt,
                       boolean ordered, OffsetDateTime previousSecretExpiresAt, OffsetDateTime createdAt,
                       OffsetDateTime updatedAt) {
}
