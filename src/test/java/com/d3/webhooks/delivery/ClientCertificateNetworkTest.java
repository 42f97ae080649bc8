package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.clientcert.ClientCertificate;
import com.d3.webhooks.clientcert.ClientCertificateRepository;
import com.d3.webhooks.network.EgressProxy;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.RecordingProxy;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestDns;
import com.d3.webhooks.testing.TestPki;
import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The clients that present client certificates leave as the worker's default client does: through
 * the egress proxy when one is configured, and under the connect-time address policy otherwise.
 */
class ClientCertificateNetworkTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());

    @Test
    void anEndpointWithACertificateGoesThroughTheEgressProxy() {
        TestDatabase.get().reset();
        try (RecordingProxy proxy = new RecordingProxy()) {
            // The tests' resolver knows no secure.example.test: only the proxy could have resolved it.
            endpointWithCertificate("https://secure.example.test/d3");

            deliverOnce(Fixtures.testConfig("w-proxy").allowPrivateNetwork(false)
                    .egressProxy(EgressProxy.parse(proxy.url())));

            assertEquals(List.of("CONNECT secure.example.test:443 HTTP/1.1"), proxy.requestLines());
            String error = fx.audit().get(0).getErrorMessage();
            assertTrue(error.startsWith("I/O error with secure.example.test:443") && error.contains("403"), error);
        }
    }

    @Test
    void anEndpointWithACertificateIsJudgedWhenItsClientConnects() {
        TestDatabase.get().reset();
        TestDns.script("rebind-mtls.test", List.of(TestDns.PUBLIC), List.of(TestDns.LOOPBACK));
        endpointWithCertificate("https://rebind-mtls.test:1/hook");

        deliverOnce(Fixtures.testConfig("w-guard").allowPrivateNetwork(false));

        assertEquals("refused when connecting: rebind-mtls.test resolves to 127.0.0.1, a loopback address "
                + "(use --allow-private-network to permit)", fx.audit().get(0).getErrorMessage());
    }

    private void endpointWithCertificate(String url) {
        long id = fx.endpoint("acct_1", url, null);
        TestPki.Issued client = TestPki.Authority.root("Receiver CA").client("outbox-client");
        new ClientCertificateRepository(dsl, sealer).set(id, ClientCertificate.parse(client.chainPem(),
                client.keyPem()), Instant.now());
        fx.event("acct_1", "fileTask.completed", "{}");
    }

    private void deliverOnce(WorkerConfig.Builder config) {
        try (Worker worker = fx.worker(config.secrets(sealer).build(), MutableClock.startingNow())) {
            assertEquals(1, worker.runOnce());
        }
    }
}
