package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.WorkerProcess;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code endpoints test} opens a sealed secret with the keys of its environment, as the worker does. */
class EndpointTestSealedSecretTest {

    @Test
    void aSealedSecretSignsTheTestAndTheReceiverVerifiesIt() {
        TestDatabase.get().reset();
        String key = SecretSealer.newKey();
        WebhookSecret secret = WebhookSecret.generate();
        try (TestReceiver receiver = new TestReceiver()) {
            long id = new EndpointRepository(TestDatabase.get().database().dsl(), SecretSealer.of(key))
                    .add(new NewEndpoint("acct_1", receiver.url("/hook"), secret.revealText(), List.of(), null));

            WorkerProcess.Cli run = WorkerProcess.cli("endpoints-test-sealed", Map.of(SecretSealer.KEY_VARIABLE, key),
                    "endpoints", "test", Long.toString(id), "--allow-private-network",
                    "--database-url", TestDatabase.get().jdbcUrl());

            assertEquals(0, run.exit(), run.output());
            assertEquals(1, receiver.received().size(), run.output());
            var r = receiver.received().get(0);
            assertTrue(new SignatureVerifier(List.of(secret), Clock.systemUTC()).requiring(SignatureScheme.values())
                    .verify(r.headers(), r.body()).isValid(), "both signatures verify");
            assertFalse(run.output().contains(secret.revealText()) || run.output().contains(key), run.output());
        }
    }
}
