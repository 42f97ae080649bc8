package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.endpoints.SigningKeyRepository;
import com.d3.webhooks.endpoints.SigningMode;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.signing.SignatureHeaders;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.signing.WebhookSigner;
import com.d3.webhooks.signing.WebhookSigningKey;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --signing and rotate-signing-key refused before anything changes (no key to seal with, 'both'
 * without a secret, an unknown mode), what show and list print, and `outbox verify --public-key`.
 * The commands that generate keys need OUTBOX_SECRET_KEY: SigningKeysNeverShownTest runs them as processes.
 */
class EndpointSigningCommandTest {

    private static final byte[] BODY = "{\"id\": \"evt_1\"}".getBytes(StandardCharsets.UTF_8);

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @TempDir
    Path dir;

    @Test
    void signingModesThatNeedAKeyOrASecretAreRefusedAndNothingChanges() {
        TestDatabase.get().reset();
        long id = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hooks", null);

        Cli.Result noKey = Cli.run("endpoints", "update", String.valueOf(id), "--signing", "ed25519");
        Cli.Result unknown = Cli.run("endpoints", "update", String.valueOf(id), "--signing", "rsa");
        Cli.Result rotate = Cli.run("endpoints", "rotate-signing-key", String.valueOf(id));
        Cli.Result addBoth = Cli.run("endpoints", "add", "--account", "acct_1", "--url", "https://example.com/b",
                "--signing", "both");

        assertEquals(2, noKey.exit(), noKey.toString());
        assertTrue(noKey.err().contains("Ed25519 private keys are stored sealed with the key in OUTBOX_SECRET_KEY"),
                noKey.toString());
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("signing must be hmac, ed25519 or both (got 'rsa')"), unknown.toString());
        assertEquals(2, rotate.exit(), rotate.toString());
        assertEquals(2, addBoth.exit(), addBoth.toString());
        assertTrue(addBoth.err().contains("--signing both signs with the secret too: give --secret"), addBoth.toString());
        assertEquals(1, dsl.fetchCount(dsl.selectFrom("webhook_endpoints")), "nothing was added");
        assertEquals("hmac", dsl.fetchValue("SELECT signing FROM webhook_endpoints"));
    }

    @Test
    void bothWithoutASecretIsRefusedByTheRepositoryAndTheTable() {
        TestDatabase.get().reset();
        long id = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hooks", null);
        var signing = new SigningKeyRepository(dsl, SecretSealer.of(SecretSealer.newKey()));

        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> signing.setMode(id, SigningMode.BOTH, Instant.now()));

        assertTrue(e.getMessage().contains("has no secret, so 'both' would sign with Ed25519 alone"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(org.jooq.exception.DataAccessException.class,
                () -> dsl.execute("UPDATE webhook_endpoints SET signing = 'ed25519'"), "no key pair");
    }

    @Test
    void showAndListPrintThePublicKeyAndTheModeNeverThePrivateKey() {
        TestDatabase.get().reset();
        long id = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hooks", null);
        new SigningKeyRepository(dsl, SecretSealer.none()).setMode(id, SigningMode.ED25519, Instant.now());
        String publicKey = dsl.fetchValue("SELECT signing_public_key FROM webhook_endpoints").toString();
        String privateKey = dsl.fetchValue("SELECT signing_key FROM webhook_endpoints").toString();

        Cli.Result table = Cli.run("endpoints", "show", String.valueOf(id));
        Cli.Result json = Cli.run("endpoints", "show", String.valueOf(id), "--json");
        Cli.Result list = Cli.run("endpoints", "list", "--json");

        assertTrue(table.out().contains("ed25519 (public key " + publicKey + ")"), table.toString());
        assertTrue(json.out().contains("\"publicKey\" : \"" + publicKey + "\""), json.toString());
        assertTrue(json.out().contains("\"keySealed\" : false"), json.toString());
        assertTrue(list.out().contains("\"mode\" : \"ed25519\""), list.toString());
        for (Cli.Result r : List.of(table, json, list)) {
            assertFalse(r.out().contains(privateKey.substring(5)) || r.err().contains(privateKey.substring(5)),
                    r.toString());
        }
    }

    @Test
    void verifyChecksV1aEntriesWithThePublicKey() throws Exception {
        WebhookSigningKey.Pair pair = WebhookSigningKey.generate();
        SignatureHeaders signed = WebhookSigner.sign(List.of(WebhookSecret.generate()), List.of(pair.signingKey()),
                "evt_1", Instant.now().getEpochSecond(), BODY);

        Cli.Result valid = verify(pair.publicKey().text(), signed);
        Cli.Result wrongKey = verify(WebhookSigningKey.generate().publicKey().text(), signed);
        Cli.Result neither = Cli.runWithoutDatabase("verify", "--body-file", "-");

        assertEquals(0, valid.exit(), valid.toString());
        assertEquals("valid: webhook-signature verified\n", valid.out());
        assertEquals(1, wrongKey.exit(), wrongKey.toString());
        assertTrue(wrongKey.out().startsWith("bad signature in webhook-signature"), wrongKey.toString());
        assertEquals(2, neither.exit(), neither.toString());
        assertTrue(neither.err().contains("give --secret (HMAC signatures), --public-key (Ed25519 signatures)"),
                neither.toString());
    }

    private Cli.Result verify(String publicKey, SignatureHeaders signed) throws Exception {
        Path body = Files.write(dir.resolve("body.json"), BODY);
        List<String> args = new ArrayList<>(List.of("verify", "--public-key", publicKey, "--body-file",
                body.toString()));
        signed.asMap().forEach((name, value) -> args.addAll(List.of("-H", name + ": " + value)));
        return Cli.runWithoutDatabase(args.toArray(String[]::new));
    }
}
