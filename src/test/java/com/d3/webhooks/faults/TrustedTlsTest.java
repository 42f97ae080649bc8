package com.d3.webhooks.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.SelfSignedTls;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.WorkerProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The other half of the untrusted-certificate case: the same self-signed receiver, trusted
 * through the JVM's standard trust store options, is delivered to. This is how an installation
 * trusts a private CA: {@code OUTBOX_JAVA_OPTS='-Djavax.net.ssl.trustStore=...' bin/outbox worker}.
 */
class TrustedTlsTest {

    @Test
    void aSelfSignedReceiverTrustedThroughAConfiguredTrustStoreIsDeliveredTo() {
        TestDatabase.get().reset();
        Fixtures fx = new Fixtures(TestDatabase.get().database().dsl());
        try (SelfSignedTls.Receiver receiver = new SelfSignedTls.Receiver()) {
            fx.endpoint("acct_1", receiver.url("/tls"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
            fx.event("acct_1", "fileTask.completed", "{}");

            WorkerProcess worker = WorkerProcess.start("trusted-tls", SelfSignedTls.trustOptions(), Map.of(),
                    "--allow-private-network", "--exit-when-idle");
            assertEquals(0, worker.awaitExit(60), worker.logText());

            assertEquals(1, receiver.requests());
            assertEquals("succeeded", fx.deliveries().get(0).getState());
            assertEquals(200, fx.audit().get(0).getResponseStatus());
        }
    }
}
