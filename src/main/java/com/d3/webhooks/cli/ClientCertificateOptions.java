package com.d3.webhooks.cli;

import com.d3.webhooks.clientcert.CertificateSummary;
import com.d3.webhooks.clientcert.ClientCertificate;
import com.d3.webhooks.secrets.SecretSealer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The client certificate given to {@code endpoints add} and {@code endpoints update}. */
final class ClientCertificateOptions {

    /** A certificate that expires sooner than this is accepted with a warning. */
    static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    @Option(names = "--client-cert", paramLabel = "FILE",
            description = "PEM file with the client certificate the worker presents when the endpoint's receiver asks "
                    + "for one (mutual TLS), leaf first, then any intermediates. Needs --client-key.")
    Path certificateFile;

    @Option(names = "--client-key", paramLabel = "FILE",
            description = "PEM file with the certificate's private key, unencrypted PKCS#8 (-----BEGIN PRIVATE "
                    + "KEY-----). It is stored sealed with the key in " + SecretSealer.KEY_VARIABLE
                    + ", which must be set, and never shown again.")
    Path keyFile;

    boolean given() {
        return certificateFile != null || keyFile != null;
    }

    /**
     * The certificate and key given, checked together; null when neither is given.
     *
     * @throws UsageException saying what is wrong, never quoting the key
     */
    ClientCertificate read(Instant now) {
        if (!given()) {
            return null;
        }
        if (certificateFile == null || keyFile == null) {
            throw new UsageException("--client-cert and --client-key go together: give both files");
        }
        ClientCertificate certificate;
        try {
            certificate = ClientCertificate.parse(read(certificateFile, "--client-cert"), read(keyFile, "--client-key"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        CertificateSummary s = certificate.summary();
        if (s.expiredAt(now)) {
            throw new UsageException("the client certificate " + Text.line(s.subject()) + " expired at " + s.notAfter()
                    + "; receivers would refuse it");
        }
        return certificate;
    }

    /** Said on stderr: a certificate not valid yet, or soon expired. */
    static List<String> warnings(ClientCertificate certificate, Instant now) {
        CertificateSummary s = certificate.summary();
        List<String> warnings = new ArrayList<>();
        if (s.notBefore().isAfter(now)) {
            warnings.add("the client certificate is valid only from " + s.notBefore()
                    + "; receivers refuse it until then");
        }
        if (s.notAfter().isBefore(now.plus(EXPIRY_WARNING))) {
            warnings.add("the client certificate expires at " + s.notAfter() + ": rotate it before then "
                    + "('outbox endpoints update ID --client-cert NEW --client-key NEW')");
        }
        return warnings;
    }

    /** @throws UsageException when a certificate is given and there is no key to seal its key with */
    void requireKey(SecretSealer sealer) {
        if (given()) {
            SecretKeys.requireSealing(sealer, "the client key is");
        }
    }

    private static String read(Path file, String option) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            // The path only: the JDK's message for a malformed file could quote its bytes.
            throw new UsageException("cannot read " + option + " " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
