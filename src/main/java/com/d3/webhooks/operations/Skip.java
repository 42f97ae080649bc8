package com.d3.webhooks.operations;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_ATTEMPTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.val;

import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.ordering.OrderedKeys;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.jooq.DSLContext;

/**
 * An operator's decision to give up on a failed delivery ({@code outbox deliveries skip}): it
 * becomes skipped, with an audit row saying who and why, and when it blocked an ordered key, the
 * next delivery of that key goes. Idempotent: a delivery that is not failed is left as it is.
 */
public final class Skip {

    private static final com.d3.webhooks.db.schema.tables.WebhookDeliveries D = WEBHOOK_DELIVERIES;
    private static final com.d3.webhooks.db.schema.tables.WebhookAuditAttempts A = WEBHOOK_AUDIT_ATTEMPTS;
    private static final com.d3.webhooks.db.schema.tables.WebhookEndpoints E = WEBHOOK_ENDPOINTS;

    private final DSLContext dsl;

    public Skip(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Skips the delivery if it is failed; returns false, changing nothing, when it is not. */
    public boolean skip(long deliveryId, String operator, String reason, Instant now) {
        OffsetDateTime at = DbTime.utc(now);
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            var skipped = tx.update(D)
                    .set(D.STATE, DeliveryState.SKIPPED.sql())
                    .set(D.UPDATED_AT, at)
                    .set(D.COMPLETED_AT, at)
                    .where(D.ID.eq(deliveryId)).and(D.STATE.eq(DeliveryState.FAILED.sql()))
                    .returning(D.ENDPOINT_ID, D.ORDERING_KEY)
                    .fetchOptional();
            if (skipped.isEmpty()) {
                return false;
            }
            // The account and type come from the outbox row, as for the worker's attempts; the
            // payload is empty, not NULL: nothing was sent, so the audit view shows no body for it.
            tx.insertInto(A, A.DELIVERY_ID, A.EVENT_ID, A.ENDPOINT_ID, A.TARGET_URL,
                            A.PAYLOAD, A.ATTEMPT_NUMBER, A.STATUS, A.ERROR_MESSAGE, A.DURATION_MS, A.WORKER_ID, A.SENT_AT)
                    .select(tx.select(D.ID, D.EVENT_ID, D.ENDPOINT_ID, E.URL, inline(""),
                                    D.ATTEMPTS, inline("skipped"),
                                    val("skipped by " + operator + (reason == null ? "" : ": " + reason)), inline(0),
                                    val(operator), val(at))
                            .from(D).join(E).on(E.ID.eq(D.ENDPOINT_ID))
                            .where(D.ID.eq(deliveryId)))
                    .execute();
            String key = skipped.get().getOrderingKey();
            if (key != null) {
                OrderedKeys.promoteHeads(tx, List.of(new OrderedKeys.Key(skipped.get().getEndpointId(), key)), now);
            }
            return true;
        });
    }
}
