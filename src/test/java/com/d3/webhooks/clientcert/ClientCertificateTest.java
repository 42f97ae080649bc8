package com.d3.webhooks.clientcert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.TestPki;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The checks every client certificate passes at input (CLI) and before the worker builds a client
 * for it, with errors that never quote the key.
 */
class ClientCertificateTest {

    private static final TestPki.Authority CA = TestPki.Authority.root("Receiver CA");
    private static final TestPki.Authority ISSUING = CA.intermediate("Issuing CA");

    @Test
    void aChainWithItsKeyParsesAndIsDescribedByItsLeaf() throws Exception {
        TestPki.Issued client = ISSUING.client("outbox-client");

        ClientCertificate c = ClientCertificate.parse(client.chainPem(), client.keyPem());

        CertificateSummary s = c.summary();
        assertEquals("CN=outbox-client", s.subject());
        assertEquals("CN=Issuing CA", s.issuer());
        assertEquals(client.certificate().getNotAfter().toInstant(), s.notAfter());
        assertEquals(HexFormat.ofDelimiter(":").withUpperCase().formatHex(
                MessageDigest.getInstance("SHA-256").digest(client.certificate().getEncoded())), s.sha256Fingerprint());
        assertEquals(2, ClientCertificate.parseChain(c.chainPem()).size(), "the intermediate is kept");
        assertEquals(client.keyPem(), c.keyPem());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedWithoutQuotingIt() {
        TestPki.Issued client = ISSUING.client("outbox-client");
        TestPki.Issued other = ISSUING.client("someone-else");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClientCertificate.parse(client.chainPem(), other.keyPem()));

        assertEquals("the client key does not belong to the certificate (CN=outbox-client): its public key is another",
                e.getMessage());
    }

    @Test
    void aChainOutOfOrderAndKeysInOtherFormsAreRefusedWithWhatToDo() {
        TestPki.Issued client = ISSUING.client("outbox-client");
        String leaf = client.chainPem().substring(0, client.chainPem().indexOf("-----END CERTIFICATE-----") + 26);
        String intermediate = client.chainPem().substring(leaf.length());
        String keyBody = body(client.keyPem());

        assertTrue(message(intermediate + leaf, client.keyPem()).startsWith(
                "certificate 2 of the client certificate chain did not issue certificate 1"));
        assertTrue(message(client.chainPem(), "-----BEGIN EC PRIVATE KEY-----\n" + keyBody
                + "\n-----END EC PRIVATE KEY-----\n").contains("openssl pkcs8 -topk8 -nocrypt"));
        assertTrue(message(client.chainPem(), "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + keyBody
                + "\n-----END ENCRYPTED PRIVATE KEY-----\n").startsWith("the client key is encrypted"));
        String broken = "-----BEGIN PRIVATE KEY-----\n" + keyBody.substring(0, 40) + "\n-----END PRIVATE KEY-----\n";
        String m = message(client.chainPem(), broken);
        assertEquals("the client key is not a valid PKCS#8 EC private key, the type of the certificate's public key", m);
        assertFalse(m.contains(keyBody.substring(0, 40)));
        assertEquals("the client certificate is not PEM (expected -----BEGIN CERTIFICATE-----)",
                message("not a certificate", client.keyPem()));
    }

    @Test
    void anExpiredCertificateIsDescribedAsExpired() {
        TestPki.Issued client = CA.client("short-lived", Duration.ofMinutes(30)); // valid from an hour ago

        ClientCertificateStatus status = ClientCertificateStatus.of(client.chainPem(), "plain");

        assertTrue(status.describe(java.time.Instant.now()).contains("EXPIRED at"), status.describe(java.time.Instant.now()));
    }

    private static String message(String chain, String key) {
        return assertThrows(IllegalArgumentException.class, () -> ClientCertificate.parse(chain, key)).getMessage();
    }

    private static String body(String pem) {
        return pem.replaceAll("-----[A-Z ]+-----", "").strip();
    }
}
