package com.d3.webhooks.cli;

import com.d3.webhooks.secrets.SecretSealer;

/** The secret keys from the environment, for every command that touches endpoint secrets. */
final class SecretKeys {

    private SecretKeys() {
    }

    /**
     * @param what what would be sealed, e.g. "header values are" or "the client key is"
     * @throws UsageException when {@code sealer} has no key to seal with
     */
    static void requireSealing(SecretSealer sealer, String what) {
        if (!sealer.canSeal()) {
            throw new UsageException(what + " stored sealed with the key in " + SecretSealer.KEY_VARIABLE
                    + ", which is not set: generate one with 'outbox secrets new-key', keep it safe, and set it for "
                    + "every outbox command and worker");
        }
    }

    /** @throws UsageException when a key is set but malformed (the message never shows it) */
    static SecretSealer fromEnvironment() {
        try {
            return SecretSealer.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
