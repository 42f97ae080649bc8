package com.d3.webhooks.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.WorkerProcess;
import com.d3.webhooks.testing.WorkerProcess.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real CLI and worker processes, with OUTBOX_SECRET_KEY in their environment: the CLI stores
 * a new secret and static header values sealed, the worker seals a plain-text secret and header
 * value written by SQL and sends the headers, `endpoints list` and `show` show which are sealed,
 * and a worker without the key, or with the wrong one, refuses to start.
 * Then every byte those processes printed or logged (at DEBUG), every audit row and every
 * recorded error is searched for the secrets, their sealed forms and the key: none is there.
 */
class SecretsNeverShownTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @Test
    void secretsAreStoredSealedAndNeverPrintedLoggedOrAudited(@TempDir Path dir) throws Exception {
        TestDatabase.get().reset();
        String key = SecretSealer.newKey();
        String keyId = SecretSealer.of(key).keyId().orElseThrow();
        String wrongKey = SecretSealer.newKey();
        String viaCli = "whsec_" + Base64.getEncoder().encodeToString(random(24));
        String viaSql = "plain-" + HexFormat.of().formatHex(random(16));
        // Passes the table's CHECK (base64 characters) but is no base64: 33 characters.
        String unusable = "whsec_" + HexFormat.of().formatHex(random(16)) + "a";
        String headerViaCli = "key-" + HexFormat.of().formatHex(random(16));
        String tokenViaFile = "token-" + HexFormat.of().formatHex(random(16));
        String headerViaSql = "plain-" + HexFormat.of().formatHex(random(16));
        String headerUpdated = "new-" + HexFormat.of().formatHex(random(16));
        Path headerFile = dir.resolve("gateway.headers");
        Files.writeString(headerFile, "# the gateway's token\nAuthorization: Bearer " + tokenViaFile + "\n");
        String db = TestDatabase.get().jdbcUrl();
        Map<String, String> withKey = Map.of("OUTBOX_SECRET_KEY", key, "OUTBOX_LOG_LEVEL", "DEBUG");
        List<String> printed = new ArrayList<>();

        try (TestReceiver receiver = new TestReceiver()) {
            // Each step's commands run side by side: a JVM takes seconds to start here.
            WorkerProcess refusing = WorkerProcess.startCli("secrets-add-no-key", Map.of(), "endpoints", "add",
                    "--database-url", db, "--account", "acct_1", "--url", receiver.url("/cli"), "--secret", viaCli);
            Cli added = WorkerProcess.startCli("secrets-add", withKey, "endpoints", "add", "--database-url", db,
                    "--account", "acct_1", "--url", receiver.url("/cli"), "--secret", viaCli, "--json",
                    "--header", "X-Api-Key: " + headerViaCli, "--header-file", headerFile.toString()).finish();
            Cli refused = refusing.finish();
            printed.add(refused.output());
            assertEquals(2, refused.exit(), refused.output());
            assertTrue(refused.output().contains("--secret is stored sealed with the key in OUTBOX_SECRET_KEY, "
                    + "which is not set"), refused.output());
            printed.add(added.output());
            assertEquals(0, added.exit(), added.output());
            assertTrue(stored("/cli").startsWith("sealed:v2:" + keyId + ":"), "the CLI stored it sealed");
            assertEquals(List.of("sealed:v2:" + keyId, "sealed:v2:" + keyId), headerPrefixes("/cli"),
                    "the CLI stored the header values sealed");

            // The dashboard's backend writes plain text through the SQL contract.
            dsl.execute("INSERT INTO webhook_endpoints (account_id, url, secret) VALUES ('acct_1', ?, ?), "
                    + "('acct_1', 'http://127.0.0.1:1/unusable', ?)", receiver.url("/sql"), viaSql, unusable);
            dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, 'X-Api-Key', ?)",
                    endpointId("/sql"), headerViaSql);
            dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES "
                    + "('acct_1', 'fileTask.completed', '{\"n\": 1}'), ('acct_1', 'fileTask.failed', '{\"n\": 2}')");

            WorkerProcess worker = WorkerProcess.start("secrets-worker", List.of(), withKey,
                    "--allow-private-network", "--exit-when-idle", "--retry-schedule", "none");
            assertEquals(0, worker.awaitExit(120), worker.logText());
            printed.add(worker.logText());

            assertTrue(stored("/sql").startsWith("sealed:v2:" + keyId + ":"), "the worker sealed the plain text");
            assertEquals(viaSql, SecretSealer.of(key).open(stored("/sql"), endpointId("/sql"), SecretColumn.SECRET));
            assertEquals(2, receiver.received("/cli").size());
            assertEquals(2, receiver.received("/sql").size());
            assertSigned(receiver.received("/cli"), viaCli);
            assertSigned(receiver.received("/sql"), viaSql);
            assertEquals(List.of("sealed:v2:" + keyId), headerPrefixes("/sql"), "the worker sealed the header value");
            for (var r : receiver.received("/cli")) {
                assertEquals(headerViaCli, r.header("X-Api-Key"));
                assertEquals("Bearer " + tokenViaFile, r.header("Authorization"));
            }
            assertEquals(headerViaSql, receiver.received("/sql").get(0).header("X-Api-Key"));
            String cliEndpoint = String.valueOf(endpointId("/cli"));

            WorkerProcess listingJson = WorkerProcess.startCli("secrets-list-json", withKey, "endpoints", "list",
                    "--database-url", db, "--json");
            WorkerProcess listing = WorkerProcess.startCli("secrets-list", withKey, "endpoints", "list",
                    "--database-url", db);
            WorkerProcess updating = WorkerProcess.startCli("secrets-update-header", withKey, "endpoints", "update",
                    cliEndpoint, "--database-url", db, "--header", "X-Api-Key: " + headerUpdated);
            WorkerProcess showing = WorkerProcess.startCli("secrets-show", withKey, "endpoints", "show", cliEndpoint,
                    "--database-url", db);
            WorkerProcess noKeyWorker = WorkerProcess.startCli("secrets-worker-no-key", Map.of(), "worker",
                    "--database-url", db, "--exit-when-idle");
            WorkerProcess badKeyWorker = WorkerProcess.startCli("secrets-worker-wrong-key",
                    Map.of("OUTBOX_SECRET_KEY", wrongKey), "worker", "--database-url", db, "--exit-when-idle");
            Cli json = listingJson.finish();
            Cli table = listing.finish();
            printed.add(json.output());
            printed.add(table.output());
            assertTrue(json.output().contains("\"secretSealed\" : true"), json.output());
            assertTrue(json.output().contains("\"secretKeyId\" : \"" + keyId + "\""), json.output());
            assertEquals(3, table.output().split("sealed \\(key " + keyId + "\\)", -1).length - 1, table.output());
            Cli updated = updating.finish();
            Cli shown = showing.finish();
            printed.add(updated.output());
            printed.add(shown.output());
            assertEquals(0, updated.exit(), updated.output());
            assertTrue(updated.output().contains(", headers X-Api-Key, Authorization"), updated.output());
            assertTrue(shown.output().contains("X-Api-Key (value sealed (key " + keyId + ")); Authorization (value "
                    + "sealed (key " + keyId + "))"), shown.output());
            assertTrue(headerPrefixes("/cli").stream().allMatch(("sealed:v2:" + keyId)::equals));
            assertTrue(json.output().contains("\"name\" : \"Authorization\""), json.output());

            Cli noKey = noKeyWorker.finish();
            Cli badKey = badKeyWorker.finish();
            printed.add(noKey.output());
            printed.add(badKey.output());
            assertEquals(1, noKey.exit(), noKey.output());
            assertTrue(noKey.output().contains("worker: cannot open the endpoint secrets: 3 endpoint secret(s) "
                    + "sealed with key id " + keyId + "; 3 header value(s) sealed with key id " + keyId
                    + " (no OUTBOX_SECRET_KEY set)"), noKey.output());
            assertEquals(1, badKey.exit(), badKey.output());
            assertTrue(badKey.output().contains("sealed with key id " + keyId + " (OUTBOX_SECRET_KEY has key id "
                    + SecretSealer.of(wrongKey).keyId().orElseThrow() + ")"), badKey.output());
        }

        printed.add(dsl.fetch("SELECT * FROM webhook_audit_logs").formatCSV());
        printed.add(dsl.fetch("SELECT * FROM webhook_deliveries").formatCSV());
        printed.add(dsl.fetch("SELECT * FROM webhook_outbox").formatCSV());
        assertTrue(printed.get(printed.size() - 3).contains("endpoint secret is unusable"),
                "the unusable secret's attempt is audited, with a reason");
        List<String> mustNotAppear = new ArrayList<>(List.of(viaCli, viaSql, unusable, key, wrongKey,
                viaCli.substring(6), sealedPart(stored("/cli")), sealedPart(stored("/sql")), headerViaCli,
                tokenViaFile, headerViaSql, headerUpdated));
        dsl.fetch("SELECT value FROM webhook_endpoint_headers").getValues(0, String.class)
                .forEach(v -> mustNotAppear.add(sealedPart(v)));
        for (String text : printed) {
            for (String secret : mustNotAppear) {
                assertTrue(!text.contains(secret), "a secret or key appears in:\n" + text);
            }
        }
    }

    private static void assertSigned(List<TestReceiver.Received> requests, String secret) {
        var verifier = new SignatureVerifier(List.of(WebhookSecret.parse(secret)), Clock.systemUTC())
                .requiring(SignatureScheme.values());
        for (var r : requests) {
            assertTrue(verifier.verify(r.headers(), r.body()).isValid(), "signed with the secret");
        }
    }

    private long endpointId(String path) {
        return dsl.resultQuery("SELECT id FROM webhook_endpoints WHERE url LIKE ?", "%" + path).fetchOne(0, Long.class);
    }

    /** The sealed form and key id of each header value of the endpoint, in the order they were added. */
    private List<String> headerPrefixes(String path) {
        return dsl.resultQuery("SELECT substr(h.value, 1, 18) FROM webhook_endpoint_headers h "
                + "JOIN webhook_endpoints e ON e.id = h.endpoint_id WHERE e.url LIKE ? ORDER BY h.id", "%" + path)
                .fetch().getValues(0, String.class);
    }

    private String stored(String path) {
        return dsl.resultQuery("SELECT secret FROM webhook_endpoints WHERE url LIKE ?", "%" + path)
                .fetchOne(0, String.class);
    }

    /** The base64 part of a sealed value (the prefix and key id are not secret). */
    private static String sealedPart(String sealed) {
        return sealed.substring(sealed.lastIndexOf(':') + 1);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
