package com.d3.webhooks.cli;

import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.VerificationResult;
import com.d3.webhooks.signing.WebhookPublicKey;
import com.d3.webhooks.signing.WebhookSecret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks a received webhook's signatures as a receiver would: exit 0 when valid, 1 with "
                + "the reason when not (bad signature, timestamp outside the 5-minute tolerance, missing or "
                + "malformed header). Compared in constant time.",
                "webhook-signature (Standard Webhooks, which signs webhook-id and webhook-timestamp with the "
                        + "body) is required; X-D3-Signature, when present too, must verify as well (it is an "
                        + "HMAC: checked only with --secret).",
                "With --secret, v1 entries are checked; with --public-key, v1a (Ed25519) entries; any entry "
                        + "that verifies under any given key suffices."},
        footer = {"", "Example:",
                "  outbox verify --secret whsec_... --body-file body.json \\",
                "      --header 'webhook-id: 5f0c...' --header 'webhook-timestamp: 1764230400' \\",
                "      --header 'webhook-signature: v1,K5oZ...' --header 'X-D3-Signature: sha256=9a1f...'",
                "  outbox verify --public-key whpk_... --body-file body.json \\",
                "      --header 'webhook-id: 5f0c...' --header 'webhook-timestamp: 1764230400' \\",
                "      --header 'webhook-signature: v1a,hnO3...'"})
final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", description = "The endpoint's secret; repeat during a rotation.")
    List<String> secrets = List.of();

    @Option(names = "--public-key", paramLabel = "whpk_...", description = "The endpoint's Ed25519 public key, as "
            + "'outbox endpoints show' prints it; repeat during a rotation.")
    List<String> publicKeys = List.of();

    @Option(names = "--body-file", required = true, paramLabel = "FILE",
            description = "The raw request body, byte for byte ('-' for stdin).")
    String bodyFile;

    @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'", description = "A request header; repeat.")
    List<String> headers = List.of();

    @Option(names = "--require-both", description = "Require webhook-signature and X-D3-Signature both.")
    boolean requireBoth;

    @Option(names = "--allow-body-only-signature", description = "Also accept X-D3-Signature alone. It signs the "
            + "body only, not the time: no protection against replay, a captured request verifies again at any "
            + "time (X-D3-Timestamp is checked when present, but anyone can rewrite it).")
    boolean allowBodyOnly;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (requireBoth && allowBodyOnly) {
            throw new UsageException("--require-both and --allow-body-only-signature contradict each other: "
                    + "choose one");
        }
        if (secrets.isEmpty() && publicKeys.isEmpty()) {
            throw new UsageException("give --secret (HMAC signatures), --public-key (Ed25519 signatures), or both");
        }
        if (requireBoth && secrets.isEmpty()) {
            throw new UsageException("--require-both needs --secret: X-D3-Signature is an HMAC");
        }
        List<WebhookSecret> parsed;
        List<WebhookPublicKey> parsedKeys;
        Map<String, String> headerMap = new LinkedHashMap<>();
        try {
            parsed = secrets.stream().map(WebhookSecret::parse).toList();
            parsedKeys = publicKeys.stream().map(WebhookPublicKey::parse).toList();
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("header '" + h + "' is not of the form 'Name: value'");
                }
                headerMap.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        byte[] body = readBody();
        SignatureVerifier verifier = new SignatureVerifier(parsed, parsedKeys, Clock.systemUTC());
        if (allowBodyOnly) {
            verifier = verifier.acceptingBodyOnlySignature();
        }
        if (requireBoth) {
            verifier = verifier.requiring(SignatureScheme.STANDARD_WEBHOOKS, SignatureScheme.D3_SIGNATURE);
        }
        VerificationResult result = verifier.verify(headerMap, body);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("valid", result.isValid());
            out.put("verified", result.verified().stream().map(SignatureScheme::header).sorted().toList());
            out.put("failure", result.failure() == null ? null : result.failure().name().toLowerCase());
            out.put("message", result.message());
            Json.print(spec.commandLine().getOut(), out);
        } else {
            spec.commandLine().getOut().println(Text.line(result.message()));
        }
        return result.isValid() ? Main.OK : Main.FAILURE;
    }

    private byte[] readBody() throws IOException {
        if (bodyFile.equals("-")) {
            return System.in.readAllBytes();
        }
        try {
            return Files.readAllBytes(Path.of(bodyFile));
        } catch (NoSuchFileException e) {
            throw new UsageException("no such body file: " + bodyFile);
        }
    }
}
