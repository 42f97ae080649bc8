package com.d3.webhooks.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import com.d3.webhooks.testing.TokenServer;
import com.d3.webhooks.testing.WorkerProcess;
import com.d3.webhooks.testing.WorkerProcess.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real CLI and worker processes with OUTBOX_SECRET_KEY: client secrets given by file and by
 * environment variable are stored sealed, one the dashboard wrote in plain text is sealed by the
 * worker, tokens are fetched and sent, and a token endpoint that echoes the secret and a token in
 * its error body fails its endpoint's attempt. Then every byte the processes printed or logged (at
 * DEBUG), every audit row and delivery error, and the text of every value that holds a secret is
 * searched for the client secrets, their sealed forms and the tokens: none is there.
 */
class OAuth2SecretsNeverShownTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @Test
    void clientSecretsAndTokensAreNeverPrintedLoggedOrAudited(@TempDir Path dir) throws Exception {
        TestDatabase.get().reset();
        String key = SecretSealer.newKey();
        String keyId = SecretSealer.of(key).keyId().orElseThrow();
        String viaFile = "file-" + random();
        String viaEnv = "env-" + random();
        String viaSql = "sql-" + random();
        String tokenPrefix = "tok-" + random() + "-";
        String echoedToken = "echoed-" + random();
        Path secretFile = dir.resolve("client.secret");
        Files.writeString(secretFile, viaFile + "\n");
        String db = TestDatabase.get().jdbcUrl();
        Map<String, String> withKey = Map.of("OUTBOX_SECRET_KEY", key, "OUTBOX_LOG_LEVEL", "DEBUG",
                "CLIENT_SECRET", viaEnv);
        List<String> printed = new ArrayList<>();

        try (TokenServer fileTokens = new TokenServer("file-client", viaFile, tokenPrefix);
             TokenServer envTokens = new TokenServer("env-client", viaEnv, tokenPrefix);
             TokenServer echoing = new TokenServer("sql-client", viaSql, tokenPrefix);
             TestReceiver receiver = new TestReceiver()) {
            receiver.on("/file", fileTokens.bearerChecker()).on("/env", envTokens.bearerChecker());
            echoing.answering(Reply.status(400).withBody("{\"error\":\"invalid_request\",\"error_description\":"
                    + "\"client sql-client secret " + viaSql + "\",\"access_token\":\"" + echoedToken + "\"}"));
            WorkerProcess byFile = WorkerProcess.startCli("oauth2-add-file", withKey, "endpoints", "add",
                    "--database-url", db, "--account", "acct_1", "--url", receiver.url("/file"), "--json",
                    "--oauth2-token-url", fileTokens.url(), "--oauth2-client-id", "file-client",
                    "--oauth2-client-secret-file", secretFile.toString(), "--oauth2-scope", "webhooks");
            WorkerProcess byEnv = WorkerProcess.startCli("oauth2-add-env", withKey, "endpoints", "add",
                    "--database-url", db, "--account", "acct_1", "--url", receiver.url("/env"),
                    "--oauth2-token-url", envTokens.url(), "--oauth2-client-id", "env-client",
                    "--oauth2-client-secret-env", "CLIENT_SECRET");
            for (WorkerProcess p : List.of(byFile, byEnv)) {
                Cli added = p.finish();
                printed.add(added.output());
                assertEquals(0, added.exit(), added.output());
            }
            dsl.execute("INSERT INTO webhook_endpoints (account_id, url) VALUES ('acct_1', ?)", receiver.url("/sql"));
            dsl.execute("INSERT INTO webhook_endpoint_oauth2 (endpoint_id, token_url, client_id, client_secret) "
                    + "SELECT id, ?, 'sql-client', ? FROM webhook_endpoints WHERE url LIKE '%/sql'", echoing.url(),
                    viaSql);
            assertEquals(List.of("sealed:v2:" + keyId, "sealed:v2:" + keyId, "sql-"), prefixes(),
                    "the CLI stored both sealed");
            dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES "
                    + "('acct_1', 'fileTask.completed', '{}'), ('acct_1', 'fileTask.failed', '{}')");

            WorkerProcess worker = WorkerProcess.start("oauth2-worker", List.of(), withKey,
                    "--allow-private-network", "--exit-when-idle", "--retry-schedule", "none");
            assertEquals(0, worker.awaitExit(120), worker.logText());
            printed.add(worker.logText());

            assertEquals(List.of("sealed:v2:" + keyId, "sealed:v2:" + keyId, "sealed:v2:" + keyId), prefixes(),
                    "the worker sealed the plain text");
            assertEquals(2, receiver.received("/file").size());
            assertEquals(2, receiver.received("/env").size());
            assertEquals(0, receiver.received("/sql").size());
            assertEquals("Bearer " + tokenPrefix + "1", receiver.received("/file").get(0).header("Authorization"));
            assertEquals(1, fileTokens.requests().size());
            assertEquals("grant_type=client_credentials&scope=webhooks", fileTokens.requests().get(0).bodyText());

            String file = String.valueOf(endpointId("/file"));
            WorkerProcess showJson = WorkerProcess.startCli("oauth2-show-json", withKey, "endpoints", "show", file,
                    "--database-url", db, "--json");
            WorkerProcess show = WorkerProcess.startCli("oauth2-show", withKey, "endpoints", "show", file,
                    "--database-url", db);
            WorkerProcess list = WorkerProcess.startCli("oauth2-list", withKey, "endpoints", "list",
                    "--database-url", db, "--json");
            for (WorkerProcess p : List.of(showJson, show, list)) {
                Cli shown = p.finish();
                printed.add(shown.output());
                assertEquals(0, shown.exit(), shown.output());
            }
            assertTrue(printed.get(printed.size() - 3).contains("\"clientId\" : \"file-client\""),
                    printed.get(printed.size() - 3));
            assertTrue(printed.get(printed.size() - 2).contains("sealed (key " + keyId + ")"),
                    printed.get(printed.size() - 2));
        }

        String audit = dsl.fetch("SELECT * FROM webhook_audit_logs").formatCSV();
        printed.add(audit);
        printed.add(dsl.fetch("SELECT * FROM webhook_deliveries").formatCSV());
        assertTrue(audit.contains("no OAuth2 access token: the token endpoint 127.0.0.1:"), audit);
        assertTrue(audit.contains("answered HTTP 400 (invalid_request)"), audit);
        // The values that hold a secret or a token say so without it, in logs and exceptions alike.
        ClientCredentials credentials = new ClientCredentials("https://auth.example.com/t", "c", viaSql, null, null);
        printed.add(credentials.toString());
        printed.add(new OAuth2Repository.Change(null, null, viaSql, null, null).toString());
        printed.add(new AccessToken(echoedToken, Instant.now()).toString());
        printed.add(new TokenUnavailable("x").toString());
        try {
            credentials.withSecret("sealed:" + viaSql).validate();
        } catch (IllegalArgumentException e) {
            printed.add(e.getMessage());
        }
        try {
            SecretSealer.of(SecretSealer.newKey()).open(dsl.fetchOne("SELECT client_secret FROM webhook_endpoint_oauth2 "
                    + "LIMIT 1").get(0, String.class), SealedPlace.oauth2ClientSecret(1));
        } catch (IllegalArgumentException e) {
            printed.add(e.getMessage());
        }
        List<String> mustNotAppear = new ArrayList<>(List.of(viaFile, viaEnv, viaSql, tokenPrefix, echoedToken, key));
        dsl.fetch("SELECT client_secret FROM webhook_endpoint_oauth2").getValues(0, String.class)
                .forEach(v -> mustNotAppear.add(v.substring(v.lastIndexOf(':') + 1)));
        for (String text : printed) {
            for (String secret : mustNotAppear) {
                assertFalse(text.contains(secret), "a secret or token appears in:\n" + text);
            }
        }
    }

    private long endpointId(String path) {
        return dsl.resultQuery("SELECT id FROM webhook_endpoints WHERE url LIKE ?", "%" + path).fetchOne(0, Long.class);
    }

    /** How each client secret is stored, in endpoint order: the sealed form and key id, or the plain text's start. */
    private List<String> prefixes() {
        return dsl.resultQuery("SELECT CASE WHEN client_secret LIKE 'sealed:%' THEN substr(client_secret, 1, 18) "
                + "ELSE substr(client_secret, 1, 4) END FROM webhook_endpoint_oauth2 ORDER BY endpoint_id")
                .fetch().getValues(0, String.class);
    }

    private static String random() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
