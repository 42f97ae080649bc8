package com.d3.webhooks.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sealed secrets in the real table: stored, swept, checked at start, opened to sign. */
class EndpointSecretsTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final String key = SecretSealer.newKey();
    private final SecretSealer sealer = SecretSealer.of(key);

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @Test
    void theJavaApiWithAKeyStoresNewSecretsSealed() {
        long id = new EndpointRepository(dsl, sealer).add(new NewEndpoint("acct_1", "https://example.com/h", SECRET,
                List.of(), null));

        String stored = stored(id);
        assertTrue(stored.startsWith("sealed:v2:" + sealer.keyId().orElseThrow() + ":"), stored);
        assertEquals(SECRET, sealer.open(stored, id, SecretColumn.SECRET));
        var listed = new EndpointRepository(dsl).find(id).orElseThrow();
        assertEquals("sealed (key " + sealer.keyId().orElseThrow() + ")", listed.secretStorage());
    }

    @Test
    void withoutAKeyTheSweepWarnsAboutPlainTextOnlyWhenItsCountChanges() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(EndpointSecrets.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
                new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            insertBySql("acct_1", SECRET);
            EndpointSecrets secrets = new EndpointSecrets(dsl, SecretSealer.none());
            secrets.sealAll();
            secrets.sealAll();
            secrets.sealAll();
            assertEquals(1, seen.list.size(), "one warning for three sweeps: " + seen.list);
            insertBySql("acct_2", SECRET);
            secrets.sealAll();
            assertEquals(2, seen.list.size(), "warned again: one more plain-text value");
            assertTrue(seen.list.get(1).getFormattedMessage().startsWith("2 endpoint secret(s)"),
                    seen.list.get(1).getFormattedMessage());
        } finally {
            logger.detachAppender(seen);
        }
    }

    @Test
    void aPlainTextSecretWrittenBySqlIsSealedBySweepWithoutLosingAConcurrentChange() {
        long plain = insertBySql("acct_1", SECRET);
        long none = insertBySql("acct_2", null);
        EndpointSecrets secrets = new EndpointSecrets(dsl, sealer);
        assertEquals(1, secrets.countPlaintext());
        assertEquals("plain text", new EndpointRepository(dsl).find(plain).orElseThrow().secretStorage());

        assertEquals(1, secrets.sealAll());

        assertEquals(SECRET, sealer.open(stored(plain), plain, SecretColumn.SECRET));
        assertTrue(SecretSealer.isSealed(stored(plain)));
        assertEquals(null, stored(none));
        assertEquals(0, secrets.sealAll(), "idempotent");
        assertEquals(0, secrets.countPlaintext());
    }

    @Test
    void aRotationReSealsEverySecretWithTheNewKey() {
        long id = new EndpointRepository(dsl, sealer).add(new NewEndpoint("acct_1", "https://example.com/h", SECRET,
                List.of(), null));
        String oldKeyId = SecretSealer.keyIdOf(stored(id)).orElseThrow();
        String newKey = SecretSealer.newKey();
        SecretSealer rotated = SecretSealer.fromEnvironment(Map.of(SecretSealer.KEY_VARIABLE, newKey,
                SecretSealer.OLD_KEYS_VARIABLE, key));

        assertEquals(1, new EndpointSecrets(dsl, rotated).sealAll());

        assertEquals(rotated.keyId(), SecretSealer.keyIdOf(stored(id)));
        assertFalse(oldKeyId.equals(rotated.keyId().orElseThrow()));
        new EndpointSecrets(dsl, SecretSealer.of(newKey)).checkAllCanBeOpened();  // the old key can go
    }

    @Test
    void startUpIsRefusedWhenSealedSecretsExistButTheKeyIsMissingOrWrong() {
        new EndpointRepository(dsl, sealer).add(new NewEndpoint("acct_1", "https://example.com/h", SECRET,
                List.of(), null));
        String keyId = sealer.keyId().orElseThrow();

        var missing = assertThrows(IllegalStateException.class,
                () -> new EndpointSecrets(dsl, SecretSealer.none()).checkAllCanBeOpened());
        assertEquals("cannot open the endpoint secrets: 1 endpoint secret(s) sealed with key id " + keyId
                + " (no OUTBOX_SECRET_KEY set). Set OUTBOX_SECRET_KEY to the key they were sealed with (during a "
                + "rotation, the previous key goes in OUTBOX_SECRET_KEYS_OLD)", missing.getMessage());

        SecretSealer wrong = SecretSealer.of(SecretSealer.newKey());
        var wrongKey = assertThrows(IllegalStateException.class,
                () -> new EndpointSecrets(dsl, wrong).checkAllCanBeOpened());
        assertTrue(wrongKey.getMessage().contains("sealed with key id " + keyId + " (OUTBOX_SECRET_KEY has key id "
                + wrong.keyId().orElseThrow() + ")"), wrongKey.getMessage());
        assertFalse(wrongKey.getMessage().contains(SECRET));

        new EndpointSecrets(dsl, sealer).checkAllCanBeOpened();
        new EndpointSecrets(dsl, SecretSealer.none()).sealAll();
    }

    @Test
    void aSealedSecretSignsDeliveriesThatVerifyWithThePlainSecret() {
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").secrets(sealer).build(),
                     MutableClock.startingNow())) {
            new EndpointRepository(dsl, sealer).add(new NewEndpoint("acct_1", receiver.url("/hook"), SECRET,
                    List.of(), null));
            fx.event("acct_1", "fileTask.completed", "{}");

            worker.runOnce();

            var r = receiver.received().get(0);
            var verifier = new SignatureVerifier(List.of(WebhookSecret.parse(SECRET)), Clock.systemUTC())
                    .requiring(SignatureScheme.values());
            assertTrue(verifier.verify(r.headers(), r.body()).isValid());
        }
    }

    @Test
    void aWorkerWithoutTheKeyFailsTheAttemptWithoutShowingTheSecret() {
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").build(), MutableClock.startingNow())) {
            new EndpointRepository(dsl, sealer).add(new NewEndpoint("acct_1", receiver.url("/hook"), SECRET,
                    List.of(), null));
            fx.event("acct_1", "fileTask.completed", "{}");

            worker.runOnce();

            assertTrue(receiver.received().isEmpty(), "nothing unsigned goes out");
            String error = fx.audit().get(0).getErrorMessage();
            assertEquals("endpoint secret is unusable: secret is sealed with key id " + sealer.keyId().orElseThrow()
                    + ", which this process does not have (no OUTBOX_SECRET_KEY set)", error);
        }
    }

    @Test
    void theSchemaRefusesOverlongPlainTextAndMalformedSealedValues() {
        assertThrows(DataAccessException.class, () -> insertBySql("acct_1", "x".repeat(501)));
        assertThrows(DataAccessException.class, () -> insertBySql("acct_1", "sealed:garbage"));
        insertBySql("acct_1", "x".repeat(500));
    }

    private long insertBySql(String account, String secret) {
        return dsl.resultQuery("INSERT INTO webhook_endpoints (account_id, url, secret) VALUES (?, "
                + "'https://example.com/hook', ?) RETURNING id", account, secret).fetchOne(0, Long.class);
    }

    private String stored(long id) {
        return dsl.resultQuery("SELECT secret FROM webhook_endpoints WHERE id = ?", id).fetchOne(0, String.class);
    }
}
