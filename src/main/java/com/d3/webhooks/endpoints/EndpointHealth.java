package com.d3.webhooks.endpoints;

import com.d3.webhooks.network.EndpointUrl;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /*
     * Plain SQL over JDBC: these run for every recorded batch, and jOOQ's rendering of them was
     * an eighth of the worker's CPU in a drain (JFR).
     */
    private static final String HEALTHY_SQL =
            "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ANY (?) AND failing_since IS NOT NULL";
    private static final String FAILING_SQL =
            "UPDATE webhook_endpoints SET failing_since = ? WHERE id = ANY (?) AND failing_since IS NULL";
    private static final String EXPIRED_SQL =
            "SELECT id, failing_since FROM webhook_endpoints WHERE id = ANY (?) AND enabled AND failing_since <= ?";

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
        Set<Long> failing = new HashSet<>(failed);
        failing.removeAll(succeeded);
        OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
        Map<Long, OffsetDateTime> expired = new LinkedHashMap<>();
        tx.connection(c -> {
            if (!succeeded.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(HEALTHY_SQL)) {
                    ps.setArray(1, c.createArrayOf("bigint", succeeded.toArray(Long[]::new)));
                    ps.executeUpdate();
                }
            }
            if (failing.isEmpty()) {
                return;
            }
            Array ids = c.createArrayOf("bigint", failing.toArray(Long[]::new));
            try (PreparedStatement ps = c.prepareStatement(FAILING_SQL)) {
                ps.setObject(1, at);
                ps.setArray(2, ids);
                ps.executeUpdate();
            }
            if (autoDisableAfter.isZero()) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement(EXPIRED_SQL)) {
                ps.setArray(1, ids);
                ps.setObject(2, now.minus(autoDisableAfter).atOffset(ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        expired.put(rs.getLong(1), rs.getObject(2, OffsetDateTime.class));
                    }
                }
            }
        });
        expired.forEach((id, since) -> disable(tx, id, "failing continuously since " + since.toInstant() + " (over "
                + Durations.format(autoDisableAfter) + ")", now));
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
