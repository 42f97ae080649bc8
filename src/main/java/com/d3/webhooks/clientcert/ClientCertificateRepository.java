package com.d3.webhooks.clientcert;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.secrets.SecretSealer;
import java.time.Instant;
import org.jooq.DSLContext;

/**
 * Sets and removes the client certificate of an endpoint (webhook_endpoints.client_certificate and
 * client_key, which the dashboard's backend writes by SQL too). Certificate and key change in one
 * statement, so the next attempt presents the new pair, never half of each. The key is stored
 * sealed for its endpoint and column; it is never read back out of this class.
 */
public final class ClientCertificateRepository {

    private final DSLContext dsl;
    private final SecretSealer sealer;

    /** @param sealer must be able to seal ({@link SecretSealer#canSeal()}) to {@link #set} */
    public ClientCertificateRepository(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /** Stores the pair (as plain PEM, the key sealed); false when there is no such endpoint. */
    public boolean set(long endpointId, ClientCertificate certificate, Instant now) {
        String key = sealer.seal(certificate.keyPem(), SealedPlace.of(endpointId, SecretColumn.CLIENT_KEY));
        return dsl.update(WEBHOOK_ENDPOINTS)
                .set(WEBHOOK_ENDPOINTS.CLIENT_CERTIFICATE, certificate.chainPem())
                .set(WEBHOOK_ENDPOINTS.CLIENT_KEY, key)
                .set(WEBHOOK_ENDPOINTS.UPDATED_AT, DbTime.utc(now))
                .where(WEBHOOK_ENDPOINTS.ID.eq(endpointId))
                .execute() == 1;
    }

    /** The endpoint presents no certificate from its next attempt on; false when there is no such endpoint. */
    public boolean remove(long endpointId, Instant now) {
        return dsl.update(WEBHOOK_ENDPOINTS)
                .setNull(WEBHOOK_ENDPOINTS.CLIENT_CERTIFICATE)
                .setNull(WEBHOOK_ENDPOINTS.CLIENT_KEY)
                .set(WEBHOOK_ENDPOINTS.UPDATED_AT, DbTime.utc(now))
                .where(WEBHOOK_ENDPOINTS.ID.eq(endpointId))
                .execute() == 1;
    }
}
