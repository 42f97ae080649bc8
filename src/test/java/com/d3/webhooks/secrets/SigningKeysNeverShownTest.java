package com.d3.webhooks.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.WebhookPublicKey;
import com.d3.webhooks.signing.WebhookSigningKey;
import com.d3.webhooks.testing.IndependentEd25519;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.WorkerProcess;
import com.d3.webhooks.testing.WorkerProcess.Cli;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * Ed25519 private keys through the real CLI and worker processes, with OUTBOX_SECRET_KEY set: the
 * CLI generates and seals them (add, update, rotate-signing-key) and prints only public keys; the
 * worker's sweep seals a plain-text key the dashboard wrote by SQL; a receiver verifies with the
 * public key `endpoints show` printed; a key pair that does not match is audited with a reason.
 * Then every byte printed or logged (at DEBUG), every audit row and every delivery row is searched
 * for the private keys, in plain text and sealed: none is there.
 */
class SigningKeysNeverShownTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @Test
    void privateKeysAreSealedAndNeverPrintedLoggedOrAudited() throws Exception {
        TestDatabase.get().reset();
        String key = SecretSealer.newKey();
        SecretSealer sealer = SecretSealer.of(key);
        String keyId = sealer.keyId().orElseThrow();
        String db = TestDatabase.get().jdbcUrl();
        Map<String, String> withKey = Map.of("OUTBOX_SECRET_KEY", key, "OUTBOX_LOG_LEVEL", "DEBUG");
        WebhookSigningKey.Pair viaSql = WebhookSigningKey.generate();
        WebhookSigningKey.Pair mismatched = WebhookSigningKey.generate();
        List<String> printed = new ArrayList<>();
        List<String> privateKeys = new ArrayList<>(List.of(viaSql.signingKey().revealText(),
                mismatched.signingKey().revealText()));

        try (TestReceiver receiver = new TestReceiver()) {
            WorkerProcess refusing = WorkerProcess.startCli("signing-add-no-key", Map.of(), "endpoints", "add",
                    "--database-url", db, "--account", "acct_1", "--url", receiver.url("/none"), "--signing", "ed25519");
            Cli added = WorkerProcess.cli("signing-add", withKey, "endpoints", "add", "--database-url", db,
                    "--account", "acct_1", "--url", receiver.url("/cli"), "--signing", "ed25519", "--json");
            Cli refused = refusing.finish();
            printed.add(refused.output());
            printed.add(added.output());
            assertEquals(2, refused.exit(), refused.output());
            assertTrue(refused.output().contains("Ed25519 private keys are stored sealed with the key in "
                    + "OUTBOX_SECRET_KEY, which is not set"), refused.output());
            assertEquals(0, added.exit(), added.output());
            long cliId = JSON.readTree(json(added)).get("id").asLong();
            String addedPublicKey = JSON.readTree(json(added)).get("publicKey").asText();
            assertTrue(storedKey(cliId).startsWith("sealed:v2:" + keyId + ":"), "the CLI stored it sealed");
            privateKeys.add(sealer.open(storedKey(cliId), cliId, SecretColumn.SIGNING_KEY));

            WorkerProcess rotating = WorkerProcess.startCli("signing-rotate", withKey, "endpoints",
                    "rotate-signing-key", String.valueOf(cliId), "--database-url", db, "--overlap", "1h");
            // The dashboard's backend writes a key pair in plain text, and one whose halves do not match.
            dsl.execute("INSERT INTO webhook_endpoints (account_id, url, signing, signing_key, signing_public_key) "
                    + "VALUES ('acct_1', ?, 'ed25519', ?, ?), ('acct_1', ?, 'ed25519', ?, ?)",
                    receiver.url("/sql"), viaSql.signingKey().revealText(), viaSql.publicKey().text(),
                    receiver.url("/mismatched"), mismatched.signingKey().revealText(),
                    WebhookSigningKey.generate().publicKey().text());
            Cli rotated = rotating.finish();
            printed.add(rotated.output());
            assertEquals(0, rotated.exit(), rotated.output());
            privateKeys.add(sealer.open(storedKey(cliId), cliId, SecretColumn.SIGNING_KEY));
            assertTrue(rotated.output().contains("The old key keeps signing too until"), rotated.output());

            dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES "
                    + "('acct_1', 'fileTask.completed', '{\"n\": 1}')");
            WorkerProcess worker = WorkerProcess.start("signing-worker", List.of(), withKey,
                    "--allow-private-network", "--exit-when-idle", "--retry-schedule", "none");
            assertEquals(0, worker.awaitExit(120), worker.logText());
            printed.add(worker.logText());

            long sqlId = endpointId("/sql");
            assertTrue(storedKey(sqlId).startsWith("sealed:v2:" + keyId + ":"), "the worker's sweep sealed it");
            assertEquals(viaSql.signingKey().revealText(), sealer.open(storedKey(sqlId), sqlId,
                    SecretColumn.SIGNING_KEY));
            assertTrue(dsl.fetchValue("SELECT previous_signing_key FROM webhook_endpoints WHERE id = ?", cliId)
                    .toString().startsWith("sealed:v2:" + keyId + ":"), "the rotated-out key is sealed too");

            WorkerProcess showingJson = WorkerProcess.startCli("signing-show-json", withKey, "endpoints", "show",
                    String.valueOf(cliId), "--database-url", db, "--json");
            WorkerProcess showing = WorkerProcess.startCli("signing-show", withKey, "endpoints", "show",
                    String.valueOf(cliId), "--database-url", db);
            WorkerProcess listing = WorkerProcess.startCli("signing-list-json", withKey, "endpoints", "list",
                    "--database-url", db, "--json");
            WorkerProcess updating = WorkerProcess.startCli("signing-update", withKey, "endpoints", "update",
                    String.valueOf(sqlId), "--database-url", db, "--signing", "ed25519", "--json");
            Cli shownJson = showingJson.finish();
            Cli shown = showing.finish();
            Cli listed = listing.finish();
            Cli updated = updating.finish();
            printed.addAll(List.of(shownJson.output(), shown.output(), listed.output(), updated.output()));
            JsonNode signing = JSON.readTree(json(shownJson)).at("/endpoint/signing");
            String currentPublicKey = signing.get("publicKey").asText();
            assertEquals("ed25519", signing.get("mode").asText());
            assertEquals(addedPublicKey, signing.get("previousPublicKey").asText());
            assertTrue(signing.get("keySealed").asBoolean());
            assertTrue(shown.output().contains("signing               ed25519 (public key " + currentPublicKey + ")"),
                    shown.output());
            assertTrue(shown.output().contains("previous public key   " + addedPublicKey + ", still signs until "),
                    shown.output());
            assertEquals(0, updated.exit(), updated.output());

            // A receiver given only what `endpoints show` printed verifies; so does one holding the first key.
            TestReceiver.Received r = receiver.received("/cli").get(0);
            assertTrue(verifier(currentPublicKey).verify(r.headers(), r.body()).isValid());
            assertTrue(verifier(addedPublicKey).verify(r.headers(), r.body()).isValid());
            assertTrue(IndependentEd25519.pythonReceiverAccepts(currentPublicKey, r));
            assertTrue(verifier(viaSql.publicKey().text()).verify(receiver.received("/sql").get(0).headers(),
                    receiver.received("/sql").get(0).body()).isValid());
            assertEquals(0, receiver.received("/mismatched").size());
        }

        String audit = dsl.fetch("SELECT * FROM webhook_audit_logs").formatCSV();
        assertTrue(audit.contains("does not pair with its public key"), "the mismatched pair's attempt is audited");
        printed.add(audit);
        printed.add(dsl.fetch("SELECT * FROM webhook_deliveries").formatCSV());
        List<String> mustNotAppear = new ArrayList<>(List.of(key));
        for (String privateKey : privateKeys) {
            mustNotAppear.add(privateKey.substring("whsk_".length()));
        }
        dsl.fetch("SELECT signing_key FROM webhook_endpoints UNION ALL SELECT previous_signing_key "
                + "FROM webhook_endpoints WHERE previous_signing_key IS NOT NULL").getValues(0, String.class)
                .forEach(v -> mustNotAppear.add(v.substring(v.lastIndexOf(':') + 1)));
        for (String text : printed) {
            for (String secret : mustNotAppear) {
                assertFalse(text.contains(secret), "a private key appears in:\n" + text);
            }
        }
    }

    private static SignatureVerifier verifier(String whpk) {
        return new SignatureVerifier(List.of(), List.of(WebhookPublicKey.parse(whpk)), Clock.systemUTC());
    }

    /** The JSON a command printed, without the log lines around it. */
    private static String json(Cli cli) {
        String out = cli.output();
        return out.substring(out.indexOf('{'), out.lastIndexOf('}') + 1);
    }

    private long endpointId(String path) {
        return dsl.resultQuery("SELECT id FROM webhook_endpoints WHERE url LIKE ?", "%" + path).fetchOne(0, Long.class);
    }

    private String storedKey(long id) {
        return dsl.resultQuery("SELECT signing_key FROM webhook_endpoints WHERE id = ?", id).fetchOne(0, String.class);
    }
}
