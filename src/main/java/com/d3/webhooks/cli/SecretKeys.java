package com.d3.webhooks.cli;

import com.d3.webhooks.secrets.SecretSealer;

/** The secret keys from the environment, for every command that touches endpoint secrets. */
final class SecretKeys {

    private SecretKeys() {
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
