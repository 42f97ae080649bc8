package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.Endpoint;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.SecretRotation;
import com.d3.webhooks.endpoints.SigningKeyRepository;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.signing.WebhookSigningKey;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "rotate-signing-key", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Gives an endpoint a new Ed25519 key pair and prints the new public key (whpk_...).",
                "During the overlap every request carries a v1a entry in webhook-signature for the new and the old "
                        + "key (newest first), so a receiver verifies with either public key: give it the new one "
                        + "before the overlap ends. After the overlap the old key stops signing by itself.",
                "Only two keys sign at a time: rotating again within the overlap stops the oldest at once. The "
                        + "private key is stored sealed and never printed; the signing mode does not change."},
        footer = {"", "Examples:",
                "  outbox endpoints rotate-signing-key 3                 # old key valid 24h",
                "  outbox endpoints rotate-signing-key 3 --overlap 7d",
                "  outbox endpoints rotate-signing-key 3 --overlap 0s    # the old key stops now (leaked key)"})
final class EndpointRotateSigningKeyCommand implements Callable<Integer> {

    @Mixin
    RotationOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        long id = options.id;
        Duration overlap = options.checkedOverlap();
        SecretSealer sealer = SecretKeys.fromEnvironment();
        if (!sealer.canSeal()) {
            throw new UsageException("Ed25519 private keys are stored sealed with the key in "
                    + SecretSealer.KEY_VARIABLE + ", which is not set: set it as for every outbox command and worker");
        }
        WebhookSigningKey.Pair next = WebhookSigningKey.generate();
        SecretRotation rotation;
        Endpoint endpoint;
        try (Database db = options.database.open(1)) {
            try {
                rotation = EndpointCommands.require(new SigningKeyRepository(db.dsl(), sealer)
                        .rotate(id, next, overlap, Clock.systemUTC().instant()), id);
            } catch (IllegalArgumentException unopenable) {
                throw new CommandFailure("endpoint " + id + ": " + unopenable.getMessage());
            }
            endpoint = EndpointCommands.require(new EndpointRepository(db.dsl()).find(id),
                    id);
        }
        PrintWriter out = spec.commandLine().getOut();
        RotationOptions.warnIfDroppedOlder(rotation, spec.commandLine().getErr(), "key");
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("id", id);
            doc.put("publicKey", next.publicKey().text());
            doc.put("previousKeyExpiresAt", rotation.previousSecretExpiresAt());
            doc.put("hadKey", rotation.hadSecret());
            doc.put("droppedOlderKey", rotation.droppedOlderSecret());
            doc.put("signing", endpoint.signing().mode());
            Json.print(out, doc);
            return Main.OK;
        }
        out.println("endpoint " + id + " has a new Ed25519 key pair; give the receiver this public key:");
        out.println();
        out.println("  " + next.publicKey().text());
        out.println();
        RotationOptions.printOldOnesEnd(rotation, out, "key");
        if (!endpoint.signing().mode().usesEd25519()) {
            out.println("The endpoint signs with hmac: 'outbox endpoints update " + id + " --signing ed25519' (or "
                    + "both) makes it sign with this key.");
        }
        out.flush();
        return Main.OK;
    }
}
