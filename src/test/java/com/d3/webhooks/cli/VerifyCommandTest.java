package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.signing.SignatureHeaders;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.signing.WebhookSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** outbox verify: the timestamped signature is required unless the body-only one is allowed on purpose. */
class VerifyCommandTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final byte[] BODY = "{\"id\": \"evt_1\"}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private final SignatureHeaders signed = WebhookSigner.sign(List.of(WebhookSecret.parse(SECRET)), "evt_1",
            Instant.now().getEpochSecond(), BODY);

    private Cli.Result verify(String... extra) throws Exception {
        Path body = Files.write(dir.resolve("body.json"), BODY);
        List<String> args = new java.util.ArrayList<>(List.of("verify", "--secret", SECRET,
                "--body-file", body.toString()));
        args.addAll(List.of(extra));
        return Cli.runWithoutDatabase(args.toArray(String[]::new));
    }

    @Test
    void theBodyOnlySignatureAloneIsRefusedByDefault() throws Exception {
        Cli.Result r = verify("-H", "X-D3-Signature: " + signed.d3Signature());

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().startsWith("missing header webhook-signature: X-D3-Signature alone signs no timestamp"),
                r.out());
    }

    @Test
    void theBodyOnlySignatureAloneVerifiesWhenAllowedOnPurpose() throws Exception {
        Cli.Result r = verify("--allow-body-only-signature", "-H", "X-D3-Signature: " + signed.d3Signature());

        assertEquals(0, r.exit(), r.toString());
        assertEquals("valid: X-D3-Signature verified\n", r.out());
    }

    @Test
    void theTimestampedSignatureVerifiesByDefault() throws Exception {
        Cli.Result r = verify("-H", "webhook-id: evt_1", "-H", "webhook-timestamp: " + signed.timestampSeconds(),
                "-H", "webhook-signature: " + signed.webhookSignature());

        assertEquals(0, r.exit(), r.toString());
        assertEquals("valid: webhook-signature verified\n", r.out());
    }

    @Test
    void requiringBothAndAllowingTheBodyOnlySignatureContradict() throws Exception {
        Cli.Result r = verify("--require-both", "--allow-body-only-signature", "-H", "X-D3-Signature: x");

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--require-both and --allow-body-only-signature contradict each other"), r.err());
    }

    @Test
    void helpSaysWhatTheBodyOnlyOptionGivesUp() {
        Cli.Result r = Cli.runWithoutDatabase("verify", "--help");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("no protection against replay"), r.out());
    }
}
