package com.d3.webhooks.endpoints;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the worker decides about an endpoint from its answers. A {@code 410 Gone} disables it at
 * once (the Standard Webhooks recommendation) and writes an {@code endpoint.disabled} event to
 * the outbox, so the account hears of it on its other endpoints and D3 can tell the customer.
 * Deliveries to a disabled endpoint wait; {@code endpoints enable} lets them flow again.
 */
public final class EndpointHealth {

    private static final Logger log = LoggerFactory.getLogger(EndpointHealth.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private EndpointHealth() {
    }

    /** Disables the endpoint if it is still enabled; returns whether this call disabled it. */
    public static boolean disableGone(DSLContext tx, long endpointId, String accountId, Instant now) {
        String reason = "the endpoint answered HTTP 410 Gone";
        var disabled = tx.update(WEBHOOK_ENDPOINTS)
                .set(WEBHOOK_ENDPOINTS.ENABLED, false)
                .set(WEBHOOK_ENDPOINTS.DISABLED_REASON, reason)
                .set(WEBHOOK_ENDPOINTS.DISABLED_AT, now.atOffset(ZoneOffset.UTC))
                .set(WEBHOOK_ENDPOINTS.UPDATED_AT, now.atOffset(ZoneOffset.UTC))
                .where(WEBHOOK_ENDPOINTS.ID.eq(endpointId)).and(WEBHOOK_ENDPOINTS.ENABLED.isTrue())
                .returning(WEBHOOK_ENDPOINTS.URL)
                .fetchOptional();
        if (disabled.isEmpty()) {
            return false;
        }
        ObjectNode data = JSON.createObjectNode()
                .put("endpointId", endpointId)
                .put("url", disabled.get().getUrl())
                .put("reason", reason)
                .put("disabledAt", now.toString());
        Outbox.insert(tx, OutboxEvent.of(accountId, EventTypes.ENDPOINT_DISABLED, data.toString()));
        log.warn("endpoint {} ({}) answered 410 Gone: disabled; its deliveries wait until "
                + "'outbox endpoints enable {}'", endpointId, disabled.get().getUrl(), endpointId);
        return true;
    }
}
