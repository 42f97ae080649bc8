package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.clientcert.ClientCertificateClients;
import com.d3.webhooks.db.schema.tables.records.WebhookAuditLogsRecord;
import com.d3.webhooks.secrets.EndpointSecrets;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestPki;
import java.net.URI;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * Client certificates as the dashboard's backend may write them, by SQL: a plain-text key is
 * sealed by the sweep and used; a key of another certificate, a sealed key copied from another
 * endpoint and a chain that does not parse fail that endpoint's attempts with the reason in the
 * audit row (never the key), and the worker goes on. Endpoints with the same pair share a client.
 */
class ClientCertificateRowsTest {

    private static final TestPki.Authority CA = TestPki.Authority.root("Receiver CA");
    /** Nothing listens on port 1: an attempt that gets as far as connecting fails there. */
    private static final String URL = "https://127.0.0.1:1/hook";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());

    @Test
    void unusableRowsFailTheirAttemptsWithTheReasonAndAPlainKeyIsSealedAndUsed() {
        TestDatabase.get().reset();
        TestPki.Issued good = CA.client("good");
        TestPki.Issued other = CA.client("other");
        long plain = endpoint(good.chainPem(), good.keyPem());
        long mismatched = endpoint(good.chainPem(), other.keyPem());
        long garbled = endpoint("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", good.keyPem());

        assertEquals(3, new EndpointSecrets(dsl, sealer).sealAll(), "the plain-text keys");
        String sealedForPlain = dsl.fetchSingle("SELECT client_key FROM webhook_endpoints WHERE id = ?", plain)
                .get(0, String.class);
        assertTrue(sealedForPlain.startsWith("sealed:v2:"), sealedForPlain);
        long copied = endpoint(good.chainPem(), sealedForPlain);
        fx.event("acct_1", "fileTask.completed", "{}");

        try (Worker worker = fx.worker(Fixtures.testConfig("w-mtls").secrets(sealer).build(),
                MutableClock.startingNow())) {
            assertEquals(4, worker.drainDue());
        }

        Map<Long, String> errors = fx.audit().stream().collect(Collectors.toMap(WebhookAuditLogsRecord::getEndpointId,
                WebhookAuditLogsRecord::getErrorMessage));
        assertEquals("connection refused by 127.0.0.1:1 (nothing listens there)", errors.get(plain),
                "the sealed key opened, the client was built, the request went out");
        assertEquals("endpoint client certificate is unusable: the client key does not belong to the certificate "
                + "(CN=good): its public key is another", errors.get(mismatched));
        assertTrue(errors.get(garbled).startsWith("endpoint client certificate is unusable: the client certificate "
                + "chain does not parse"), errors.get(garbled));
        assertTrue(errors.get(copied).startsWith("endpoint client certificate is unusable: the sealed client_key of "
                + "endpoint " + copied + " does not open there"), errors.get(copied));
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("pending") && d.getAttempts() == 1),
                "each retried on schedule");
        String audit = fx.audit().stream().map(Object::toString).collect(Collectors.joining("\n"));
        for (TestPki.Issued c : List.of(good, other)) {
            for (String line : c.keyLines()) {
                assertFalse(audit.contains(line), "a line of a key in the audit log");
            }
        }
    }

    @Test
    void endpointsWithTheSameCertificateShareOneClientAndPlainHttpUsesNone() {
        TestPki.Issued shared = CA.client("shared");
        TestPki.Issued own = CA.client("own");
        WorkerConfig config = Fixtures.testConfig("w-share").secrets(sealer).build();
        try (ClientCertificates certificates = new ClientCertificates(sealer, new HttpSender(config, Clock.systemUTC()))) {
            URI https = URI.create(URL);
            try (ClientCertificateClients.Lease one = certificates.lease(claimed(1, shared), https);
                 ClientCertificateClients.Lease two = certificates.lease(claimed(2, shared), https);
                 ClientCertificateClients.Lease three = certificates.lease(claimed(3, own), https)) {
                assertSame(one.client(), two.client(), "keys sealed apart, the same pair");
                assertNotSame(one.client(), three.client());
            }
            assertNull(certificates.lease(claimed(1, shared), URI.create("http://127.0.0.1:1/hook")));
            assertEquals(2, certificates.clients());
        }
    }

    private long endpoint(String chain, String key) {
        long id = fx.endpoint("acct_1", URL, null);
        dsl.execute("UPDATE webhook_endpoints SET client_certificate = ?, client_key = ? WHERE id = ?", chain, key, id);
        return id;
    }

    /** A delivery to endpoint {@code endpointId} presenting {@code c}, its key sealed for that endpoint. */
    private ClaimedDelivery claimed(long endpointId, TestPki.Issued c) {
        String key = sealer.seal(c.keyPem(), SealedPlace.of(endpointId, SecretColumn.CLIENT_KEY));
        return new ClaimedDelivery(endpointId, 1, null, 1, 0, UUID.randomUUID(), "fileTask.completed", "acct_1",
                OffsetDateTime.now(), "{}", endpointId, URL, new EndpointCredentials(null, null, null, List.of(),
                c.chainPem(), key, StoredSigning.HMAC_ONLY, null));
    }
}
