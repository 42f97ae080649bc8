package com.d3.webhooks.cli;

import com.d3.webhooks.oauth.OAuth2Repository;
import com.d3.webhooks.secrets.SecretSealer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The OAuth2 client credentials given to {@code endpoints add} and {@code endpoints update}. The
 * client secret comes from a file, standard input or an environment variable, never from the
 * command line, where the process list and the shell's history would show it.
 */
final class OAuth2Options {

    /** A secret file ends with a line break that is not part of the secret. */
    private static final int MAX_SECRET_FILE_BYTES = 4096;

    @Option(names = "--oauth2-token-url", paramLabel = "URL",
            description = "Send every request with an OAuth2 access token (client credentials grant) from this "
                    + "token endpoint. It must pass the same address checks as the endpoint's URL.")
    String tokenUrl;

    @Option(names = "--oauth2-client-id", paramLabel = "ID", description = "The client id at the token endpoint.")
    String clientId;

    @Option(names = "--oauth2-client-secret-file", paramLabel = "FILE|-",
            description = "The client secret, read from FILE ('-': standard input); one trailing line break is "
                    + "dropped. Stored sealed with the key in " + SecretSealer.KEY_VARIABLE + ", which must be set, "
                    + "and never shown again.")
    String clientSecretFile;

    @Option(names = "--oauth2-client-secret-env", paramLabel = "VARIABLE",
            description = "The client secret, read from this environment variable instead.")
    String clientSecretEnv;

    @Option(names = "--oauth2-scope", paramLabel = "SCOPE",
            description = "Scopes asked for, separated by spaces; '' asks for none.")
    String scope;

    @Option(names = "--oauth2-audience", paramLabel = "AUDIENCE",
            description = "The audience parameter some token endpoints want (e.g. Auth0); '' sends none.")
    String audience;

    boolean given() {
        return tokenUrl != null || clientId != null || clientSecretFile != null || clientSecretEnv != null
                || scope != null || audience != null;
    }

    /**
     * The change the options ask for; null when none is given.
     *
     * @throws UsageException when the secret cannot be read or a value is not allowed, never showing the secret
     */
    OAuth2Repository.Change change(InputStream stdin, Map<String, String> env) {
        if (!given()) {
            return null;
        }
        if (clientSecretFile != null && clientSecretEnv != null) {
            throw new UsageException("give the OAuth2 client secret once: --oauth2-client-secret-file or "
                    + "--oauth2-client-secret-env");
        }
        String secret = clientSecretFile != null ? readSecret(stdin)
                : clientSecretEnv != null ? fromEnvironment(env) : null;
        try {
            return new OAuth2Repository.Change(tokenUrl, clientId, secret, scope, audience);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** @throws UsageException when a client secret is given and there is no key to seal it with */
    void requireKey(SecretSealer sealer) {
        if ((clientSecretFile != null || clientSecretEnv != null) && !sealer.canSeal()) {
            throw new UsageException("the OAuth2 client secret is stored sealed with the key in "
                    + SecretSealer.KEY_VARIABLE + ", which is not set: generate one with 'outbox secrets new-key', "
                    + "keep it safe, and set it for every outbox command and worker");
        }
    }

    private String readSecret(InputStream stdin) {
        byte[] bytes;
        try (InputStream in = clientSecretFile.equals("-") ? stdin : Files.newInputStream(Path.of(clientSecretFile))) {
            bytes = in.readNBytes(MAX_SECRET_FILE_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            throw new UsageException("cannot read --oauth2-client-secret-file " + Text.line(clientSecretFile) + ": "
                    + e.getClass().getSimpleName());
        }
        if (bytes.length > MAX_SECRET_FILE_BYTES) {
            throw new UsageException("--oauth2-client-secret-file holds more than " + MAX_SECRET_FILE_BYTES
                    + " bytes: it should hold the client secret alone");
        }
        return dropLineBreak(new String(bytes, StandardCharsets.UTF_8));
    }

    private String fromEnvironment(Map<String, String> env) {
        String secret = env.get(clientSecretEnv);
        if (secret == null || secret.isEmpty()) {
            throw new UsageException("--oauth2-client-secret-env " + Text.line(clientSecretEnv)
                    + ": no such environment variable, or it is empty");
        }
        return dropLineBreak(secret);
    }

    private static String dropLineBreak(String s) {
        return s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
