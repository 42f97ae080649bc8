package com.d3.webhooks.endpoints;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Registers and reads endpoints (the same rows the dashboard's backend writes by SQL). */
public final class EndpointRepository {

    private final DSLContext dsl;

    public EndpointRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Inserts the endpoint, enabled; returns its id. */
    public long add(NewEndpoint e) {
        return dsl.insertInto(WEBHOOK_ENDPOINTS)
                .set(WEBHOOK_ENDPOINTS.ACCOUNT_ID, e.accountId())
                .set(WEBHOOK_ENDPOINTS.URL, e.url())
                .set(WEBHOOK_ENDPOINTS.SECRET, e.secret())
                .set(WEBHOOK_ENDPOINTS.EVENT_TYPES, e.eventTypes().isEmpty() ? null
                        : e.eventTypes().toArray(String[]::new))
                .set(WEBHOOK_ENDPOINTS.DESCRIPTION, e.description())
                .returning(WEBHOOK_ENDPOINTS.ID)
                .fetchOne(WEBHOOK_ENDPOINTS.ID);
    }

    /**
     * Makes an endpoint ordered or not. Turning ordering off lets every waiting delivery of the
     * endpoint go at once; turning it on orders the events routed from now on.
     */
    public boolean setOrdered(long id, boolean ordered) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            int changed = tx.update(WEBHOOK_ENDPOINTS)
                    .set(WEBHOOK_ENDPOINTS.ORDERED, ordered)
                    .set(WEBHOOK_ENDPOINTS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(WEBHOOK_ENDPOINTS.ID.eq(id))
                    .execute();
            if (!ordered) {
                tx.execute("""
                        UPDATE webhook_deliveries
                           SET ordering_key = NULL,
                               state = CASE WHEN state = 'waiting' THEN 'pending' ELSE state END,
                               next_attempt_at = CASE WHEN state = 'waiting' THEN now() ELSE next_attempt_at END
                         WHERE endpoint_id = {0} AND ordering_key IS NOT NULL
                           AND state IN ('waiting', 'pending', 'in_flight', 'failed')""", DSL.val(id));
            }
            return changed == 1;
        });
    }

    public Optional<Endpoint> find(long id) {
        return dsl.selectFrom(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(id))
                .fetchOptional(EndpointRepository::toEndpoint);
    }

    /** Every endpoint, or one account's, by id. */
    public List<Endpoint> list(String accountId) {
        Condition which = accountId == null ? DSL.noCondition() : WEBHOOK_ENDPOINTS.ACCOUNT_ID.eq(accountId);
        return dsl.selectFrom(WEBHOOK_ENDPOINTS).where(which).orderBy(WEBHOOK_ENDPOINTS.ID)
                .fetch(EndpointRepository::toEndpoint);
    }

    private static Endpoint toEndpoint(WebhookEndpointsRecord r) {
        return new Endpoint(r.getId(), r.getAccountId(), r.getUrl(), r.getSecret() != null,
                r.getEventTypes() == null ? List.of() : Arrays.asList(r.getEventTypes()), r.getDescription(),
                r.getEnabled(), r.getDisabledReason(), r.getOrdered(), r.getCreatedAt(), r.getUpdatedAt());
    }
}
