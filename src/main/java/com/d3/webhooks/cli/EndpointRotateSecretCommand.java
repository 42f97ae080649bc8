package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.SecretRotation;
import com.d3.webhooks.signing.WebhookSecret;
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

@Command(name = "rotate-secret", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Gives an endpoint a new signing secret and prints it once.",
                "During the overlap every request carries a webhook-signature entry for the new and the old "
                        + "secret (newest first), so the receiver verifies with either; X-D3-Signature uses the "
                        + "new one. After the overlap the old secret stops signing by itself.",
                "Only two secrets sign at a time: rotating again within the overlap stops the oldest at once."},
        footer = {"", "Examples:",
                "  outbox endpoints rotate-secret 3                 # new whsec_ secret, old one valid 24h",
                "  outbox endpoints rotate-secret 3 --overlap 7d",
                "  outbox endpoints rotate-secret 3 --overlap 0s    # the old secret stops now (leaked secret)"})
final class EndpointRotateSecretCommand implements Callable<Integer> {

    @Mixin
    RotationOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", description = "Use this secret (whsec_<base64> or other text) instead of "
            + "generating one; it is not printed back. A generated one is better: 32 random bytes.")
    String secret;

    @Option(names = "--json", description = "Print the result as JSON (includes the generated secret).")
    boolean json;

    @Override
    public Integer call() {
        long id = options.id;
        Duration overlap = options.checkedOverlap();
        WebhookSecret next;
        try {
            next = secret == null ? WebhookSecret.generate() : WebhookSecret.parse(secret);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        SecretRotation rotation;
        try (Database db = options.database.open(1)) {
            rotation = EndpointCommands.require(new EndpointRepository(db.dsl(), SecretKeys.fromEnvironment())
                    .rotateSecret(id, next, overlap, Clock.systemUTC().instant()), id);
        }
        boolean generated = secret == null;
        PrintWriter out = spec.commandLine().getOut();
        RotationOptions.warnIfDroppedOlder(rotation, spec.commandLine().getErr(), "secret");
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("id", id);
            doc.put("secret", generated ? next.revealText() : null);
            doc.put("previousSecretExpiresAt", rotation.previousSecretExpiresAt());
            doc.put("hadSecret", rotation.hadSecret());
            doc.put("droppedOlderSecret", rotation.droppedOlderSecret());
            Json.print(out, doc);
            return Main.OK;
        }
        if (generated) {
            out.println("endpoint " + id + " now signs with this new secret; give it to the receiver now, it is "
                    + "not shown again:");
            out.println();
            out.println("  " + next.revealText());
            out.println();
        } else {
            out.println("endpoint " + id + " now signs with the secret you gave.");
        }
        if (!RotationOptions.printOldOnesEnd(rotation, out, "secret")) {
            out.println("Requests to it were unsigned until now; from now on they are signed.");
        }
        out.flush();
        return Main.OK;
    }
}
