package com.d3.webhooks.cli;

import com.d3.webhooks.endpoints.Endpoint;
import com.d3.webhooks.endpoints.SigningKeyRepository;
import com.d3.webhooks.endpoints.SigningMode;
import com.d3.webhooks.secrets.SecretSealer;
import java.time.Instant;
import org.jooq.DSLContext;
import picocli.CommandLine.Option;

/** The signing mode given to {@code endpoints add} and {@code endpoints update}. */
final class SigningOptions {

    @Option(names = "--signing", paramLabel = "hmac|ed25519|both",
            description = "What signs webhook-signature: 'hmac' (default: v1 entries with the secret, and "
                    + "X-D3-Signature), 'ed25519' (v1a entries with the endpoint's own Ed25519 key; no HMAC, the "
                    + "receiver verifies with the public key alone) or 'both' (v1 and v1a, needs a secret). The "
                    + "first Ed25519 mode gives the endpoint a key pair: the private key is stored sealed with the key "
                    + "in " + SecretSealer.KEY_VARIABLE + ", which must be set, and 'endpoints show' prints the "
                    + "public key (whpk_...) for the receiver.")
    String signing;

    boolean given() {
        return signing != null;
    }

    /** @throws UsageException for a value that is no mode */
    SigningMode mode() {
        try {
            return signing == null ? null : SigningMode.parse(signing);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** @throws UsageException when a mode that may need a new key pair is given and there is no key to seal it with */
    void requireKey(SecretSealer sealer) {
        if (given() && mode().usesEd25519() && !sealer.canSeal()) {
            throw new UsageException("Ed25519 private keys are stored sealed with the key in "
                    + SecretSealer.KEY_VARIABLE + ", which is not set: generate one with 'outbox secrets new-key', "
                    + "keep it safe, and set it for every outbox command and worker");
        }
    }

    /**
     * Sets the given mode, if one was given; a refusal (such as 'both' without a secret) changes nothing.
     *
     * @throws CommandFailure when there is no such endpoint
     * @throws UsageException when the endpoint cannot sign that way
     */
    void apply(DSLContext dsl, SecretSealer sealer, long id, Instant now) {
        if (!given()) {
            return;
        }
        boolean found;
        try {
            found = new SigningKeyRepository(dsl, sealer).setMode(id, mode(), now);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (!found) {
            throw EndpointCommands.notFound(id);
        }
    }

    /** ", signing ed25519 (public key whpk_...)" when a mode was given; empty otherwise. */
    String describe(Endpoint e) {
        return given() ? ", signing " + EndpointCommands.signing(e) : "";
    }
}
