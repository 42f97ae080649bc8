package com.d3.webhooks.endpoints;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A registered endpoint as operators see it. The secrets themselves are never part of this
 * value; only whether one is set, how it is stored, and until when a rotated-out secret still
 * signs.
 *
 * @param eventTypes              the types it wants; empty means every type
 * @param previousSecretExpiresAt until when the secret before the last rotation still signs;
 *                                null when there is none (it may lie in the past)
 * @param secretSealed            true when the secret is stored sealed; false when plain text (or absent)
 * @param secretKeyId             the id of the key that sealed it; null when not sealed
 * @param onExhausted             ordered endpoints: whether a delivery that failed for good blocks its key
 */
public record Endpoint(long id, String accountId, String url, boolean hasSecret, List<String> eventTypes,
                       String description, boolean enabled, String disabledReason, OffsetDateTime disabledAt,
                       boolean ordered, OffsetDateTime previousSecretExpiresAt, OffsetDateTime createdAt,
                       OffsetDateTime updatedAt, boolean secretSealed, String secretKeyId,
                       OnExhausted onExhausted) {

    /** "sealed (key 1a2b3c4d)", "plain text" or "none". */
    public String secretStorage() {
        return !hasSecret ? "none" : secretSealed ? "sealed (key " + secretKeyId + ")" : "plain text";
    }
}
