package com.d3.webhooks.endpoints;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A registered endpoint as operators see it. The secret itself is never part of this value;
 * only whether one is set.
 *
 * @param eventTypes the types it wants; empty means every type
 */
public record Endpoint(long id, String accountId, String url, boolean hasSecret, List<String> eventTypes,
                       String description, boolean enabled, String disabledReason, boolean ordered,
                       OffsetDateTime createdAt,
                       OffsetDateTime updatedAt) {
}
