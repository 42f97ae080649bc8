package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.oauth.OAuth2Repository;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OAuth2 client credentials through the CLI, in process: shown without the client secret, changed
 * field by field and removed without a key, and refused before anything is written when a value is
 * missing or not allowed, or when a client secret would have to be stored without a key. Storing a
 * secret needs OUTBOX_SECRET_KEY in the environment: OAuth2SecretsNeverShownTest runs those
 * commands as processes.
 */
class EndpointOAuth2CommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "s3cret-77d0a1-never-shown";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
    private long id;

    @BeforeEach
    void oneEndpointWithCredentials() {
        TestDatabase.get().reset();
        id = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hooks", null);
        new OAuth2Repository(dsl, sealer).change(id, new OAuth2Repository.Change("https://auth.example.com/token",
                "d3-webhooks", SECRET, "webhooks:write", null), Instant.now());
    }

    @Test
    void showNamesEverythingButTheClientSecret() throws Exception {
        Cli.Result table = Cli.run("endpoints", "show", String.valueOf(id));
        Cli.Result json = Cli.run("endpoints", "show", String.valueOf(id), "--json");
        Cli.Result list = Cli.run("endpoints", "list", "--json");

        assertTrue(table.out().contains("oauth2 token url      https://auth.example.com/token"), table.toString());
        assertTrue(table.out().contains("oauth2 client id      d3-webhooks"), table.toString());
        assertTrue(table.out().contains("oauth2 client secret  sealed (key " + sealer.keyId().orElseThrow() + ")"),
                table.toString());
        assertTrue(table.out().contains("oauth2 scope          webhooks:write"), table.toString());
        assertTrue(table.out().contains("oauth2 audience       none"), table.toString());
        JsonNode oauth2 = JSON.readTree(json.out()).at("/endpoint/oauth2");
        assertEquals("https://auth.example.com/token", oauth2.get("tokenUrl").asText());
        assertEquals("d3-webhooks", oauth2.get("clientId").asText());
        assertTrue(oauth2.get("clientSecretSealed").asBoolean());
        for (Cli.Result r : new Cli.Result[] {table, json, list}) {
            assertEquals(0, r.exit(), r.toString());
            assertFalse(r.out().contains(SECRET) || r.err().contains(SECRET), r.toString());
            assertFalse(r.out().contains(stored().substring(20)), "not even sealed");
        }
    }

    @Test
    void settingsChangeOneByOneAndTheCredentialsCanBeRemovedWithoutAKey() {
        String sealed = stored();
        Cli.Result scope = Cli.run("endpoints", "update", String.valueOf(id), "--oauth2-scope", "",
                "--oauth2-audience", "https://hooks.example.com");
        assertEquals(0, scope.exit(), scope.toString());
        assertTrue(scope.out().contains(", OAuth2 client d3-webhooks at https://auth.example.com/token"),
                scope.toString());
        var row = dsl.fetchOne("SELECT * FROM webhook_endpoint_oauth2");
        assertNull(row.get("scope"));
        assertEquals("https://hooks.example.com", row.get("audience"));
        assertEquals(sealed, stored(), "the secret stays as it was");

        Cli.Result removed = Cli.run("endpoints", "update", String.valueOf(id), "--remove-oauth2");
        assertEquals(0, removed.exit(), removed.toString());
        assertTrue(removed.out().contains(", OAuth2 none"), removed.toString());
        assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_endpoint_oauth2")));
    }

    @Test
    void badOrIncompleteCredentialsAndAMissingKeyAreRefusedBeforeAnythingIsWritten(@TempDir Path dir)
            throws Exception {
        Path secretFile = dir.resolve("client.secret");
        Files.writeString(secretFile, SECRET + "\n");
        Cli.Result noKey = Cli.run("endpoints", "add", "--account", "acct_2", "--url", "https://example.com/b",
                "--oauth2-token-url", "https://auth.example.com/token", "--oauth2-client-id", "c",
                "--oauth2-client-secret-file", secretFile.toString());
        Cli.Result incomplete = Cli.run("endpoints", "add", "--account", "acct_2", "--url", "https://example.com/b",
                "--oauth2-token-url", "https://auth.example.com/token", "--oauth2-client-secret-file",
                secretFile.toString());
        Cli.Result userInfo = Cli.run("endpoints", "update", String.valueOf(id), "--oauth2-token-url",
                "https://user:" + SECRET + "@auth.example.com/token");
        Cli.Result badScope = Cli.run("endpoints", "update", String.valueOf(id), "--oauth2-scope", "a  b");
        Cli.Result onCommandLine = Cli.run("endpoints", "update", String.valueOf(id), "--oauth2-client-secret",
                SECRET);
        Cli.Result both = Cli.run("endpoints", "update", String.valueOf(id), "--remove-oauth2", "--oauth2-scope", "a");

        assertTrue(noKey.err().contains("the OAuth2 client secret is stored sealed with the key in "
                + "OUTBOX_SECRET_KEY, which is not set"), noKey.toString());
        assertTrue(incomplete.err().contains("OAuth2 client credentials need a token URL (--oauth2-token-url), a "
                + "client id (--oauth2-client-id) and a client secret"), incomplete.toString());
        assertTrue(userInfo.err().contains("OAuth2 token URL carries user-info"), userInfo.toString());
        assertTrue(badScope.err().contains("OAuth2 scope must be scope tokens"), badScope.toString());
        assertTrue(onCommandLine.err().contains("Unknown options: '--oauth2-client-secret'"), onCommandLine.toString());
        assertTrue(both.err().contains("--remove-oauth2 cannot be given with other --oauth2-* options"),
                both.toString());
        for (Cli.Result r : new Cli.Result[] {noKey, incomplete, userInfo, badScope, onCommandLine, both}) {
            assertEquals(2, r.exit(), r.toString());
            assertFalse(r.err().contains(SECRET), r.toString());
        }
        assertEquals(1, dsl.fetchCount(dsl.selectFrom("webhook_endpoints")), "no endpoint added");
        assertEquals("webhooks:write", dsl.fetchOne("SELECT scope FROM webhook_endpoint_oauth2").get(0));
    }

    private String stored() {
        return dsl.fetchOne("SELECT client_secret FROM webhook_endpoint_oauth2").get(0, String.class);
    }
}
