package com.d3.webhooks.endpoints;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A registered endpoint as operators see it. The secret itself is never part of this value;
 * only whether one is set and how it is stored.
 *
 * @param eventTypes   the types it wants; empty means every type
 * @param secretSealed true when the secret is stored sealed; false when it is plain text (or absent)
 * @param secretKeyId  the id of the key that sealed it; null when not sealed
 */
public record Endpoint(long id, String accountId, String url, boolean hasSecret, List<String> eventTypes,
                       String description, boolean enabled, String disabledReason, OffsetDateTime createdAt,
                       OffsetDateTime updatedAt, boolean secretSealed, String secretKeyId) {

    /** "sealed (key 1a2b3c4d)", "plain text" or "none". */
    public String secretStorage() {
        return !hasSecret ? "none" : secretSealed ? "sealed (key " + secretKeyId + ")" : "plain text";
    }
}
