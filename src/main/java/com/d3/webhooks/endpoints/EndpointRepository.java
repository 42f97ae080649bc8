package com.d3.webhooks.endpoints;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import com.d3.webhooks.secrets.SecretSealer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Registers and reads endpoints (the same rows the dashboard's backend writes by SQL). Built with
 * a {@link SecretSealer} that has a key, it stores new secrets sealed; without one it stores them
 * as given, as the dashboard's backend does, and the worker seals them later.
 */
public final class EndpointRepository {

    private final DSLContext dsl;
    private final SecretSealer sealer;

    /** Stores secrets as given (plain text): what the SQL contract allows the dashboard to do. */
    public EndpointRepository(DSLContext dsl) {
        this(dsl, SecretSealer.none());
    }

    public EndpointRepository(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /** Inserts the endpoint, enabled, its secret sealed when this repository has a key; returns its id. */
    public long add(NewEndpoint e) {
        String secret = e.secret() == null || !sealer.canSeal() ? e.secret() : sealer.seal(e.secret());
        return dsl.insertInto(WEBHOOK_ENDPOINTS)
                .set(WEBHOOK_ENDPOINTS.ACCOUNT_ID, e.accountId())
                .set(WEBHOOK_ENDPOINTS.URL, e.url())
                .set(WEBHOOK_ENDPOINTS.SECRET, secret)
                .set(WEBHOOK_ENDPOINTS.EVENT_TYPES, e.eventTypes().isEmpty() ? null
                        : e.eventTypes().toArray(String[]::new))
                .set(WEBHOOK_ENDPOINTS.DESCRIPTION, e.description())
                .returning(WEBHOOK_ENDPOINTS.ID)
                .fetchOne(WEBHOOK_ENDPOINTS.ID);
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
                r.getEnabled(), r.getDisabledReason(), r.getCreatedAt(), r.getUpdatedAt(),
                SecretSealer.isSealed(r.getSecret()), SecretSealer.keyIdOf(r.getSecret()).orElse(null));
    }
}
