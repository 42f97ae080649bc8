package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.secrets.EndpointSecrets;
import com.d3.webhooks.secrets.SecretSealer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "secrets", mixinStandardHelpOptions = true,
        description = {"Endpoint secrets and static header values at rest: stored sealed with AES-256-GCM under "
                + "the key in " + SecretSealer.KEY_VARIABLE + " (32 random bytes, base64).",
                "Rotation: set the new key in " + SecretSealer.KEY_VARIABLE + " and the previous one in "
                        + SecretSealer.OLD_KEYS_VARIABLE + ", run 'outbox secrets seal' (or any worker: it "
                        + "re-seals within seconds), check 'outbox endpoints list', then drop the old key."},
        subcommands = {SecretsCommand.NewKey.class, SecretsCommand.Seal.class})
final class SecretsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "new-key", mixinStandardHelpOptions = true,
            description = "Prints a new random key for " + SecretSealer.KEY_VARIABLE + ". Keep it like a password: "
                    + "without it the sealed secrets cannot be opened.")
    static final class NewKey implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(SecretSealer.newKey());
            return Main.OK;
        }
    }

    @Command(name = "seal", mixinStandardHelpOptions = true,
            description = "Seals every plain-text endpoint secret and header value, and re-seals every one of an old "
                    + "key, with " + SecretSealer.KEY_VARIABLE + ". Idempotent. The worker does the same at start and "
                    + "every 10 s.")
    static final class Seal implements Callable<Integer> {
        @Mixin
        DatabaseOptions database;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            SecretSealer sealer = SecretKeys.fromEnvironment();
            if (!sealer.canSeal()) {
                throw new UsageException(SecretSealer.KEY_VARIABLE + " is not set: generate a key with 'outbox "
                        + "secrets new-key' and set it");
            }
            try (Database db = database.open(1)) {
                EndpointSecrets secrets = new EndpointSecrets(db.dsl(), sealer);
                secrets.checkAllCanBeOpened();
                int sealed = secrets.sealAll();
                spec.commandLine().getOut().println("sealed " + sealed + " endpoint secret(s) and header value(s) "
                        + "with key id "
                        + sealer.keyId().orElseThrow() + "; " + secrets.countPlaintext() + " left in plain text");
            }
            return Main.OK;
        }
    }
}
