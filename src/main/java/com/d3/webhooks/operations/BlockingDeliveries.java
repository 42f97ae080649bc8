package com.d3.webhooks.operations;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.selectOne;

import com.d3.webhooks.db.schema.tables.WebhookDeliveries;
import com.d3.webhooks.state.DeliveryState;
import org.jooq.Condition;

/**
 * Deliveries that hold up their ordered key: failed for good, with an ordering key, to an
 * endpoint whose on_exhausted policy is 'block'. Such a delivery is not finished: the key's later
 * deliveries wait until an operator replays or skips it (the same rule as V11's
 * webhook_promote_heads).
 */
final class BlockingDeliveries {

    private BlockingDeliveries() {
    }

    static Condition blockingTheirKey(WebhookDeliveries d) {
        return d.STATE.eq(DeliveryState.FAILED.sql()).and(d.ORDERING_KEY.isNotNull())
                .and(exists(selectOne().from(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(d.ENDPOINT_ID))
                        .and(WEBHOOK_ENDPOINTS.ON_EXHAUSTED.eq("block"))));
    }
}
