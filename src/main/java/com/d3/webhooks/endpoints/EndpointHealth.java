package com.d3.webhooks.endpoints;

import com.d3.webhooks.network.EndpointUrl;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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

    /**
     * The health's part of the statement that records a batch (the worker's RecordStatement), an
     * UPDATE of webhook_endpoints e from one row v(id, failures, succeeded, probe_failed) per
     * endpoint of the batch and a one-row a (a.now): failing_since marks when the endpoint's run of
     * failures began; one success in the batch ends it.
     */
    public static final String ASSIGNMENTS =
            "failing_since = CASE WHEN v.succeeded THEN NULL ELSE coalesce(e.failing_since, a.now) END";

    /** When the row has something of the health's to write: a run of failures began or ended. */
    public static final String CHANGES =
            "(CASE WHEN v.succeeded THEN e.failing_since IS NOT NULL ELSE e.failing_since IS NULL END)";

    /**
     * A query of the endpoints with no success in the batch (the rows v) that are enabled and have
     * failed continuously since {@code a.disable_before} or earlier: those to {@link #disableFailing}.
     * Over the rows as they were before the batch: one whose run begins with the batch has
     * failed for no time yet. Columns: id, failing_since.
     */
    public static final String FAILING_TOO_LONG = """
            SELECT e.id, e.failing_since FROM webhook_endpoints e, v, a
             WHERE e.id = v.id AND NOT v.succeeded AND e.enabled AND e.failing_since <= a.disable_before""";

    /**
     * The value of {@code a.disable_before} for {@link #FAILING_TOO_LONG}: endpoints failing since
     * then have failed for longer than {@code autoDisableAfter}; null when that is zero (never).
     */
    public static OffsetDateTime disableBefore(Instant now, Duration autoDisableAfter) {
        return autoDisableAfter.isZero() ? null : DbTime.utc(now.minus(autoDisableAfter));
    }

    private EndpointHealth() {
    }

    /** The 410 answer: disables the endpoint if it is still enabled. */
    public static boolean disableGone(DSLContext tx, long endpointId, Instant now) {
        return disable(tx, endpointId, "the endpoint answered HTTP 410 Gone", now);
    }

    /**
     * An endpoint {@link #FAILING_TOO_LONG} found: disables it if it is still enabled. In the
     * transaction that recorded the batch.
     */
    public static boolean disableFailing(DSLContext tx, long endpointId, OffsetDateTime failingSince, Instant now,
                                         Duration autoDisableAfter) {
        return disable(tx, endpointId, "failing continuously since " + failingSince.toInstant() + " (over "
                + Durations.format(autoDisableAfter) + ")", now);
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
                .put("url", EndpointUrl.redact(disabled.get().value2()))
                .put("reason", reason)
                .put("disabledAt", now.toString());
        Outbox.insert(tx, OutboxEvent.of(disabled.get().value1(), EventTypes.ENDPOINT_DISABLED, data.toString()));
        log.warn("endpoint {} ({}) disabled: {}; its deliveries wait until 'outbox endpoints enable {}'",
                endpointId, EndpointUrl.redact(disabled.get().value2()), reason, endpointId);
        return true;
    }
}
