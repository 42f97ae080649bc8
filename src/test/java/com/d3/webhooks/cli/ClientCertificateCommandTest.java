package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.clientcert.CertificateSummary;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestPki;
import com.d3.webhooks.testing.WorkerProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates through the CLI: set and rotated by processes with OUTBOX_SECRET_KEY (the
 * key stored sealed), shown by subject, issuer, expiry and fingerprint, removed, and refused
 * before anything is written when the pair does not fit. The key is in no output.
 */
class ClientCertificateCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestPki.Authority CA = TestPki.Authority.root("Receiver CA");

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @Test
    void setShownRotatedAndRemovedWithTheKeySealedAndNeverPrinted(@TempDir Path dir) throws Exception {
        TestDatabase.get().reset();
        String key = SecretSealer.newKey();
        String keyId = SecretSealer.of(key).keyId().orElseThrow();
        Map<String, String> withKey = Map.of(SecretSealer.KEY_VARIABLE, key, "OUTBOX_LOG_LEVEL", "DEBUG");
        String db = TestDatabase.get().jdbcUrl();
        TestPki.Issued first = CA.client("first");
        TestPki.Issued second = CA.client("second");
        Path[] firstFiles = first.write(dir, "first");
        Path[] secondFiles = second.write(dir, "second");
        List<String> printed = new ArrayList<>();

        WorkerProcess.Cli added = WorkerProcess.cli("client-cert-add", withKey, "endpoints", "add",
                "--database-url", db, "--account", "acct_1", "--url", "https://example.com/hooks",
                "--client-cert", firstFiles[0].toString(), "--client-key", firstFiles[1].toString(), "--json");
        printed.add(added.output());
        assertEquals(0, added.exit(), added.output());
        long id = dsl.fetchSingle("SELECT id FROM webhook_endpoints").get(0, Long.class);
        assertEquals(first.chainPem(), stored().value1());
        assertTrue(stored().value2().startsWith("sealed:v2:" + keyId + ":"), "the key is stored sealed");

        Cli.Result table = Cli.run("endpoints", "show", String.valueOf(id));
        Cli.Result json = Cli.run("endpoints", "show", String.valueOf(id), "--json");
        printed.add(table.toString());
        printed.add(json.toString());
        CertificateSummary expected = CertificateSummary.ofChain(first.chainPem());
        assertTrue(table.out().contains("client certificate    CN=first, issued by CN=Receiver CA, expires "
                + expected.notAfter() + ", SHA-256 " + expected.sha256Fingerprint() + ", key sealed (key " + keyId
                + ")"), table.toString());
        JsonNode cert = JSON.readTree(json.out()).at("/endpoint/clientCertificate");
        assertEquals("CN=first", cert.at("/certificate/subject").asText());
        assertEquals("CN=Receiver CA", cert.at("/certificate/issuer").asText());
        assertEquals(expected.sha256Fingerprint(), cert.at("/certificate/sha256Fingerprint").asText());
        assertTrue(cert.get("keySealed").asBoolean());

        WorkerProcess.Cli rotated = WorkerProcess.cli("client-cert-rotate", withKey, "endpoints", "update",
                String.valueOf(id), "--database-url", db, "--client-cert", secondFiles[0].toString(),
                "--client-key", secondFiles[1].toString());
        printed.add(rotated.output());
        assertEquals(0, rotated.exit(), rotated.output());
        assertTrue(rotated.output().contains("client certificate CN=second, issued by CN=Receiver CA"),
                rotated.output());
        assertEquals(second.chainPem(), stored().value1());

        Cli.Result removed = Cli.run("endpoints", "update", String.valueOf(id), "--remove-client-cert");
        printed.add(removed.toString());
        assertEquals(0, removed.exit(), removed.toString());
        assertTrue(removed.out().contains(", no client certificate"), removed.toString());
        assertNull(stored().value1());
        assertNull(stored().value2());

        for (TestPki.Issued c : List.of(first, second)) {
            for (String line : c.keyLines()) {
                printed.forEach(p -> assertFalse(p.contains(line), "a line of a key printed: " + p));
            }
        }
    }

    @Test
    void aPairThatDoesNotFitIsRefusedBeforeAnythingIsWritten(@TempDir Path dir) {
        TestDatabase.get().reset();
        long id = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hooks", null);
        TestPki.Issued client = CA.client("client");
        Path[] files = client.write(dir, "client");
        Path[] others = CA.client("other").write(dir, "other");
        Path[] expired = CA.client("expired", Duration.ofMinutes(30)).write(dir, "expired");

        Cli.Result mismatched = update(id, "--client-cert", files[0].toString(), "--client-key", others[1].toString());
        Cli.Result alone = update(id, "--client-cert", files[0].toString());
        Cli.Result old = update(id, "--client-cert", expired[0].toString(), "--client-key", expired[1].toString());
        Cli.Result both = update(id, "--client-cert", files[0].toString(), "--client-key", files[1].toString(),
                "--remove-client-cert");
        // This JVM has no OUTBOX_SECRET_KEY: a pair that fits still needs it.
        Cli.Result noKey = update(id, "--client-cert", files[0].toString(), "--client-key", files[1].toString());

        assertTrue(mismatched.err().contains("the client key does not belong to the certificate (CN=client)"),
                mismatched.toString());
        assertTrue(alone.err().contains("--client-cert and --client-key go together"), alone.toString());
        assertTrue(old.err().contains("the client certificate CN=expired expired at"), old.toString());
        assertTrue(both.err().contains("contradict each other"), both.toString());
        assertTrue(noKey.err().contains("the client key is stored sealed with the key in OUTBOX_SECRET_KEY, which is "
                + "not set"), noKey.toString());
        for (Cli.Result r : List.of(mismatched, alone, old, both, noKey)) {
            assertEquals(Main.USAGE, r.exit(), r.toString());
        }
        assertNull(stored().value1(), "nothing written");
    }

    @Test
    void aCertificateThatExpiresWithinThirtyDaysIsTakenWithAWarning() {
        TestPki.Issued soon = CA.client("soon", Duration.ofDays(20));
        TestPki.Issued later = CA.client("later", Duration.ofDays(60));
        java.time.Instant now = java.time.Instant.now();

        List<String> warnings = ClientCertificateOptions.warnings(
                com.d3.webhooks.clientcert.ClientCertificate.parse(soon.chainPem(), soon.keyPem()), now);

        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("the client certificate expires at "
                + soon.certificate().getNotAfter().toInstant() + ": rotate it before then"), warnings.get(0));
        assertEquals(List.of(), ClientCertificateOptions.warnings(
                com.d3.webhooks.clientcert.ClientCertificate.parse(later.chainPem(), later.keyPem()), now));
    }

    private static Cli.Result update(long id, String... options) {
        List<String> args = new ArrayList<>(List.of("endpoints", "update", String.valueOf(id)));
        args.addAll(List.of(options));
        return Cli.run(args.toArray(String[]::new));
    }

    private Record2<String, String> stored() {
        return dsl.select(org.jooq.impl.DSL.field("client_certificate", String.class),
                org.jooq.impl.DSL.field("client_key", String.class)).from("webhook_endpoints").fetchOne();
    }
}
