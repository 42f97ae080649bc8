package com.d3.webhooks.clientcert;

import com.d3.webhooks.secrets.SecretSealer;
import java.time.Instant;

/**
 * An endpoint's client certificate as operators see it: the leaf's public facts and how its key
 * is stored, never the key.
 *
 * @param certificate the leaf, described; null when the stored chain is unusable
 * @param problem     why the stored chain is unusable (written past the CLI's checks); else null
 * @param keySealed   whether the key is stored sealed; false when it is plain PEM
 * @param keyId       the id of the key that sealed it; null when plain
 */
public record ClientCertificateStatus(CertificateSummary certificate, String problem, boolean keySealed,
                                      String keyId) {

    /** Null when the endpoint has no client certificate. */
    public static ClientCertificateStatus of(String chainPem, String storedKey) {
        if (chainPem == null) {
            return null;
        }
        CertificateSummary summary = null;
        String problem = null;
        try {
            summary = CertificateSummary.ofChain(chainPem);
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        return new ClientCertificateStatus(summary, problem, SecretSealer.isSealed(storedKey),
                SecretSealer.keyIdOf(storedKey).orElse(null));
    }

    /** One line: subject, issuer, expiry, fingerprint and the key's storage; or what is wrong. */
    public String describe(Instant now) {
        String key = "key " + (keySealed ? "sealed (key " + keyId + ")" : "plain text");
        if (certificate == null) {
            return "unusable: " + problem + "; " + key;
        }
        return certificate.subject() + ", issued by " + certificate.issuer() + ", "
                + (certificate.expiredAt(now) ? "EXPIRED at " : "expires ") + certificate.notAfter()
                + ", SHA-256 " + certificate.sha256Fingerprint() + ", " + key;
    }
}
