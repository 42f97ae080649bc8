package com.d3.webhooks.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.StandardWebhooks;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The secret of a rotation's overlap (previous_secret) is kept like the current one: sealed by
 * the sweep, re-sealed on a key rotation, checked at start, as long as a sealed secret may be.
 */
class PreviousSecretSealingTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final String oldKey = SecretSealer.newKey();
    private final String newKey = SecretSealer.newKey();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @Test
    void theOverlapKeepsSigningAfterAKeyRotationOnceTheOldKeyIsDropped() {
        WebhookSecret before = WebhookSecret.generate();
        WebhookSecret after = WebhookSecret.generate();
        try (TestReceiver receiver = new TestReceiver()) {
            EndpointRepository endpoints = new EndpointRepository(dsl, SecretSealer.of(oldKey));
            long id = endpoints.add(new NewEndpoint("acct_1", receiver.url("/hook"), before.revealText(), List.of(),
                    null));
            endpoints.rotateSecret(id, after, Duration.ofDays(7), clock.instant());

            // The key rotation as the help text has it: new key, old key beside it, seal, drop the old key.
            new EndpointSecrets(dsl, SecretSealer.fromEnvironment(Map.of(SecretSealer.KEY_VARIABLE, newKey,
                    SecretSealer.OLD_KEYS_VARIABLE, oldKey))).sealAll();
            SecretSealer onlyNew = SecretSealer.of(newKey);
            new EndpointSecrets(dsl, onlyNew).checkAllCanBeOpened();
            assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_endpoints")
                    .where("previous_secret NOT LIKE ?", "sealed:%:" + onlyNew.keyId().orElseThrow() + ":%")));

            fx.event("acct_1", "fileTask.completed", "{}");
            try (Worker worker = fx.worker(Fixtures.testConfig("w-1").secrets(onlyNew).build(), clock)) {
                worker.drainDue();
            }

            assertEquals(1, receiver.received().size(), "the attempt went out: " + fx.audit());
            var r = receiver.received().get(0);
            assertTrue(StandardWebhooks.verifies(before, r, clock), "the previous secret still signs");
            assertTrue(StandardWebhooks.verifies(after, r, clock));
        }
    }

    @Test
    void plainTextInBothColumnsIsSealedAndAMissingKeyForEitherIsFoundAtStart() {
        // The longest plain text the table takes: sealed, it is far longer than 500 characters.
        String previous = "p".repeat(500);
        long id = dsl.resultQuery("INSERT INTO webhook_endpoints (account_id, url, secret, previous_secret, "
                + "previous_secret_expires_at) VALUES ('acct_1', 'https://example.com/h', ?, ?, now() + interval '1 day') "
                + "RETURNING id", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", previous).fetchOne(0, Long.class);
        SecretSealer sealer = SecretSealer.of(oldKey);
        EndpointSecrets secrets = new EndpointSecrets(dsl, sealer);
        assertEquals(2, secrets.countPlaintext());

        assertEquals(2, secrets.sealAll());

        String stored = dsl.resultQuery("SELECT previous_secret FROM webhook_endpoints WHERE id = ?", id)
                .fetchOne(0, String.class);
        assertTrue(stored.startsWith("sealed:") && stored.contains(":" + sealer.keyId().orElseThrow() + ":"),
                "previous_secret sealed");
        assertTrue(stored.length() > 500);
        assertEquals(0, secrets.countPlaintext());
        var missing = assertThrows(IllegalStateException.class,
                () -> new EndpointSecrets(dsl, SecretSealer.none()).checkAllCanBeOpened());
        assertTrue(missing.getMessage().startsWith("cannot open the endpoint secrets: 2 endpoint secret(s) sealed "
                + "with key id " + sealer.keyId().orElseThrow()), missing.getMessage());
    }
}
