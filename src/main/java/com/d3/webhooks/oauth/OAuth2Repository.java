package com.d3.webhooks.oauth;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINT_HEADERS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINT_OAUTH2;

import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretSealer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Sets, changes, removes and describes the OAuth2 client credentials of endpoints
 * (webhook_endpoint_oauth2, which the dashboard's backend writes by SQL too). Built with a
 * {@link SecretSealer} that has a key, it stores the client secret sealed, bound to its endpoint;
 * without one, as given, and the worker seals it later. The secret is never read back out.
 */
public final class OAuth2Repository {

    private static final com.d3.webhooks.db.schema.tables.WebhookEndpointOauth2 A = WEBHOOK_ENDPOINT_OAUTH2;
    private static final String INCOMPLETE = "OAuth2 client credentials need a token URL (--oauth2-token-url), a "
            + "client id (--oauth2-client-id) and a client secret (--oauth2-client-secret-file or -env)";

    /**
     * What to change; null keeps the stored value; an empty scope or audience removes it. An
     * endpoint without credentials needs a token URL, a client id and a client secret.
     */
    public record Change(String tokenUrl, String clientId, String clientSecret, String scope, String audience) {

        /** @throws IllegalArgumentException when nothing would change, or a value given is not allowed */
        public Change {
            if (tokenUrl == null && clientId == null && clientSecret == null && scope == null && audience == null) {
                throw new IllegalArgumentException("nothing to change in the OAuth2 client credentials");
            }
            if (tokenUrl != null) {
                ClientCredentials.tokenUri(tokenUrl);
            }
            if (clientId != null) {
                ClientCredentials.checkClientId(clientId);
            }
            if (clientSecret != null) {
                ClientCredentials.checkClientSecret(clientSecret);
            }
            ClientCredentials.checkScope(scope == null || scope.isEmpty() ? null : scope);
            ClientCredentials.checkAudience(audience == null || audience.isEmpty() ? null : audience);
        }

        /** @throws IllegalArgumentException unless a token URL, a client id and a client secret are given */
        public void requireComplete() {
            if (tokenUrl == null || clientId == null || clientSecret == null) {
                throw new IllegalArgumentException(INCOMPLETE);
            }
        }

        @Override
        public String toString() {
            return "OAuth2 change" + (clientSecret == null ? "" : " with a new client secret");
        }
    }

    private final DSLContext dsl;
    private final SecretSealer sealer;

    public OAuth2Repository(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /**
     * Applies {@code change} to the endpoint's credentials, or gives it credentials, in one
     * transaction. False when there is no such endpoint.
     *
     * @throws IllegalArgumentException when the endpoint has no credentials and the change does not
     *                                  give all that is needed, or it sends a static Authorization header
     */
    public boolean change(long endpointId, Change change, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            if (tx.selectOne().from(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(endpointId)).forUpdate()
                    .fetchOptional().isEmpty()) {
                return false;
            }
            if (tx.fetchExists(WEBHOOK_ENDPOINT_HEADERS, WEBHOOK_ENDPOINT_HEADERS.ENDPOINT_ID.eq(endpointId)
                    .and(DSL.lower(WEBHOOK_ENDPOINT_HEADERS.NAME).eq("authorization")))) {
                throw new IllegalArgumentException("endpoint " + endpointId + " sends a static Authorization header, "
                        + "which the access token would replace: remove it first (--remove-header Authorization)");
            }
            Optional<ClientCredentials> held = stored(tx, endpointId);
            if (held.isEmpty()) {
                change.requireComplete();
            }
            ClientCredentials merged = merge(held.orElse(null), change);
            String secret = change.clientSecret() == null ? merged.clientSecret()
                    : sealer.sealIfKeyed(change.clientSecret(), SealedPlace.oauth2ClientSecret(endpointId));
            OffsetDateTime at = DbTime.utc(now);
            tx.insertInto(A)
                    .set(A.ENDPOINT_ID, endpointId).set(A.TOKEN_URL, merged.tokenUrl()).set(A.CLIENT_ID, merged.clientId())
                    .set(A.CLIENT_SECRET, secret).set(A.SCOPE, merged.scope()).set(A.AUDIENCE, merged.audience())
                    .set(A.CREATED_AT, at).set(A.UPDATED_AT, at)
                    .onConflict(A.ENDPOINT_ID).doUpdate()
                    .set(A.TOKEN_URL, merged.tokenUrl()).set(A.CLIENT_ID, merged.clientId())
                    .set(A.CLIENT_SECRET, secret).set(A.SCOPE, merged.scope()).set(A.AUDIENCE, merged.audience())
                    .set(A.UPDATED_AT, at)
                    .execute();
            return true;
        });
    }

    /** Requests to the endpoint go without a token from now on; false when it had no credentials. */
    public boolean remove(long endpointId) {
        return dsl.deleteFrom(A).where(A.ENDPOINT_ID.eq(endpointId)).execute() == 1;
    }

    /** The credentials of each of these endpoints that has some. */
    public Map<Long, OAuth2Summary> describe(Collection<Long> endpointIds) {
        return dsl.selectFrom(A).where(A.ENDPOINT_ID.in(endpointIds)).fetch().stream()
                .collect(Collectors.toMap(r -> r.getEndpointId(), r -> new OAuth2Summary(r.getTokenUrl(),
                        r.getClientId(), r.getScope(), r.getAudience(), SecretSealer.isSealed(r.getClientSecret()),
                        SecretSealer.keyIdOf(r.getClientSecret()).orElse(null))));
    }

    /** The endpoint's credentials as stored (the secret sealed or plain text), if it has some. */
    public static Optional<ClientCredentials> stored(DSLContext dsl, long endpointId) {
        return dsl.selectFrom(A).where(A.ENDPOINT_ID.eq(endpointId)).fetchOptional(r -> new ClientCredentials(
                r.getTokenUrl(), r.getClientId(), r.getClientSecret(), r.getScope(), r.getAudience()));
    }

    private static ClientCredentials merge(ClientCredentials held, Change c) {
        return new ClientCredentials(
                c.tokenUrl() != null ? c.tokenUrl() : held.tokenUrl(),
                c.clientId() != null ? c.clientId() : held.clientId(),
                c.clientSecret() != null ? c.clientSecret() : held.clientSecret(),
                c.scope() != null ? emptyAsNull(c.scope()) : held == null ? null : held.scope(),
                c.audience() != null ? emptyAsNull(c.audience()) : held == null ? null : held.audience());
    }

    private static String emptyAsNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
