package com.d3.webhooks.clientcert;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What operators see of a client certificate: the leaf's subject, issuer, validity and SHA-256
 * fingerprint (colon-separated hex, as {@code openssl x509 -fingerprint -sha256} prints it).
 * All of it is public; the key is not part of it.
 */
public record CertificateSummary(String subject, String issuer, Instant notBefore, Instant notAfter,
                                 String sha256Fingerprint) {

    static CertificateSummary of(X509Certificate leaf) {
        return new CertificateSummary(leaf.getSubjectX500Principal().getName(),
                leaf.getIssuerX500Principal().getName(), leaf.getNotBefore().toInstant(),
                leaf.getNotAfter().toInstant(), fingerprint(leaf));
    }

    /** The leaf of a stored chain, described; the chain is parsed and checked, the key is not needed. */
    public static CertificateSummary ofChain(String chainPem) {
        return of(ClientCertificate.parseChain(chainPem).get(0));
    }

    public boolean expiredAt(Instant at) {
        return notAfter.isBefore(at);
    }

    private static String fingerprint(X509Certificate c) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
