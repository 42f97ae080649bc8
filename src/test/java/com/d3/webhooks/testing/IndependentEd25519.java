package com.d3.webhooks.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ed25519 verifiers that share no code with ours: the OpenSSL 3 command line
 * ({@code pkeyutl -verify -rawin}), and a Standard Webhooks receiver written in Python with the
 * {@code cryptography} package, given nothing but the {@code whpk_} public key and the request.
 * A test using one is skipped, saying why, only when the tool is not installed.
 */
public final class IndependentEd25519 {

    /**
     * The receiver: exit 0 when any v1a entry of the header verifies over id.timestamp.body (the
     * body on stdin), 1 when none does, 3 when it cannot tell (so a crash never reads as a refusal).
     */
    private static final String PYTHON_RECEIVER = """
            import base64, sys
            try:
                from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
                from cryptography.exceptions import InvalidSignature
                public_key, msg_id, timestamp, header = sys.argv[1:5]
                assert public_key.startswith("whpk_")
                key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key[len("whpk_"):]))
                signed = (msg_id + "." + timestamp + ".").encode() + sys.stdin.buffer.read()
                for entry in header.split(" "):
                    version, _, signature = entry.partition(",")
                    if version != "v1a":
                        continue
                    try:
                        key.verify(base64.b64decode(signature), signed)
                        sys.exit(0)
                    except InvalidSignature:
                        pass
            except Exception as e:
                print("cannot verify:", repr(e))
                sys.exit(3)
            sys.exit(1)
            """;

    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), written here again on purpose. */
    private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private IndependentEd25519() {
    }

    /** Whether {@code openssl pkeyutl -verify -rawin} accepts {@code signature} of {@code message}. */
    public static boolean opensslVerifies(String whpk, byte[] message, byte[] signature) throws IOException {
        assumeTrue(works("openssl", "version"), "openssl is not installed: the OpenSSL cross-check is skipped");
        Path dir = Files.createTempDirectory("ed25519");
        byte[] raw = Base64.getDecoder().decode(whpk.substring("whpk_".length()));
        byte[] der = new byte[SPKI_PREFIX.length + raw.length];
        System.arraycopy(SPKI_PREFIX, 0, der, 0, SPKI_PREFIX.length);
        System.arraycopy(raw, 0, der, SPKI_PREFIX.length, raw.length);
        Path pem = Files.writeString(dir.resolve("public.pem"), "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(der) + "\n-----END PUBLIC KEY-----\n");
        Path in = Files.write(dir.resolve("message"), message);
        Path sig = Files.write(dir.resolve("signature"), signature);
        Result r = run(null, "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem.toString(), "-rawin",
                "-in", in.toString(), "-sigfile", sig.toString());
        if (r.exit() != 0 && !r.output().contains("Signature Verification Failure")) {
            throw new AssertionError("openssl could not check the signature: " + r.output());
        }
        return r.exit() == 0;
    }

    /** Whether the Python receiver accepts the request, holding only {@code whpk}. */
    public static boolean pythonReceiverAccepts(String whpk, String webhookId, String timestamp,
                                                String webhookSignature, byte[] body) {
        assumeTrue(works("python3", "-c", "import cryptography"),
                "python3 with the cryptography package is not installed: the Python receiver is skipped");
        Result r = run(body, "python3", "-c", PYTHON_RECEIVER, whpk, webhookId, timestamp, webhookSignature);
        if (r.exit() > 1) {
            throw new AssertionError("the Python receiver could not check the signature: " + r.output());
        }
        return r.exit() == 0;
    }

    /** As {@link #pythonReceiverAccepts}, for a request the test receiver recorded. */
    public static boolean pythonReceiverAccepts(String whpk, TestReceiver.Received r) {
        return pythonReceiverAccepts(whpk, r.header("webhook-id"), r.header("webhook-timestamp"),
                r.header("webhook-signature"), r.body());
    }

    private static boolean works(String... command) {
        try {
            return run(null, command).exit() == 0;
        } catch (IllegalStateException notInstalled) {
            return false;
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(byte[] stdin, String... command) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command[0]);
            return new Result(p.exitValue(), output);
        } catch (IOException e) {
            throw new IllegalStateException(command[0] + " cannot run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
