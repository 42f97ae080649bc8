package com.d3.webhooks.endpoints;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the worker decides about an endpoint from its answers. A {@code 410 Gone} disables it at
 * once (the Standard Webhooks recommendation); so does failing continuously for longer than the
 * auto-disable window. Disabling writes an {@code endpoint.disabled} event to the outbox, so the
 * account hears of it on its other endpoints and D3 can tell the customer. Deliveries to a
 * disabled endpoint wait; {@code endpoints enable} lets them flow again.
 */
public final class EndpointHealth {

    private static final Logger log = LoggerFactory.getLogger(EndpointHealth.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private EndpointHealth() {
    }

    /** The 410 answer: disables the endpoint if it is still enabled. */
    public static boolean disableGone(DSLContext tx, long endpointId, Instant now) {
        return disable(tx, endpointId, "the endpoint answered HTTP 410 Gone", now);
    }

    /**
     * Tracks when each endpoint's run of failures began, from one batch of attempts, and disables
     * the endpoints that have now failed continuously for longer than {@code autoDisableAfter}
     * (zero: never). An endpoint with a success in the batch counts as healthy.
     */
    public static void recordOutcomes(DSLContext tx, Set<Long> succeeded, Set<Long> failed, Instant now,
                                      Duration autoDisableAfter) {
        var e = WEBHOOK_ENDPOINTS;
        OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
        if (!succeeded.isEmpty()) {
            tx.update(e).setNull(e.FAILING_SINCE)
                    .where(e.ID.in(succeeded)).and(e.FAILING_SINCE.isNotNull()).execute();
        }
        Set<Long> failing = new HashSet<>(failed);
        failing.removeAll(succeeded);
        if (failing.isEmpty()) {
            return;
        }
        tx.update(e).set(e.FAILING_SINCE, at).where(e.ID.in(failing)).and(e.FAILING_SINCE.isNull()).execute();
        if (autoDisableAfter.isZero()) {
            return;
        }
        List<org.jooq.Record2<Long, OffsetDateTime>> expired = tx.select(e.ID, e.FAILING_SINCE).from(e)
                .where(e.ID.in(failing)).and(e.ENABLED.isTrue())
                .and(e.FAILING_SINCE.le(now.minus(autoDisableAfter).atOffset(ZoneOffset.UTC)))
                .fetch();
        for (var r : expired) {
            disable(tx, r.value1(), "failing continuously since " + r.value2().toInstant() + " (over "
                    + Durations.format(autoDisableAfter) + ")", now);
        }
    }

    /** Disables the endpoint if it is still enabled and tells its account; returns whether it did. */
    private static boolean disable(DSLContext tx, long endpointId, String reason, Instant now) {
        var e = WEBHOOK_ENDPOINTS;
        var disabled = tx.update(e)
                .set(e.ENABLED, false)
                .set(e.DISABLED_REASON, reason)
                .set(e.DISABLED_AT, now.atOffset(ZoneOffset.UTC))
                .set(e.UPDATED_AT, now.atOffset(ZoneOffset.UTC))
                .where(e.ID.eq(endpointId)).and(e.ENABLED.isTrue())
                .returningResult(e.ACCOUNT_ID, e.URL)
                .fetchOptional();
        if (disabled.isEmpty()) {
            return false;
        }
        ObjectNode data = JSON.createObjectNode()
                .put("endpointId", endpointId)
                .put("url", disabled.get().value2())
                .put("reason", reason)
                .put("disabledAt", now.toString());
        Outbox.insert(tx, OutboxEvent.of(disabled.get().value1(), EventTypes.ENDPOINT_DISABLED, data.toString()));
        log.warn("endpoint {} ({}) disabled: {}; its deliveries wait until 'outbox endpoints enable {}'",
                endpointId, disabled.get().value2(), reason, endpointId);
        return true;
    }
}
