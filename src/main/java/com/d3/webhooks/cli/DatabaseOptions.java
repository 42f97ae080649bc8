package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import picocli.CommandLine.Option;

/** The database options every command shares; each has an environment equivalent. */
final class DatabaseOptions {

    @Option(names = "--database-url", paramLabel = "JDBC_URL", defaultValue = "${env:OUTBOX_DATABASE_URL}",
            description = "PostgreSQL JDBC URL, e.g. jdbc:postgresql://127.0.0.1:5432/outbox "
                    + "(env OUTBOX_DATABASE_URL).")
    String url;

    @Option(names = "--database-user", paramLabel = "USER", defaultValue = "${env:OUTBOX_DATABASE_USER}",
            description = "Database user (env OUTBOX_DATABASE_USER).")
    String user;

    @Option(names = "--database-password", paramLabel = "PASSWORD", defaultValue = "${env:OUTBOX_DATABASE_PASSWORD}",
            description = "Database password; prefer the environment variable OUTBOX_DATABASE_PASSWORD, "
                    + "which does not show in the process list.")
    String password;

    DatabaseConfig config(int poolSize) {
        if (url == null || url.isBlank()) {
            throw new UsageException("no database given: pass --database-url jdbc:postgresql://HOST:5432/DB "
                    + "or set OUTBOX_DATABASE_URL");
        }
        try {
            return new DatabaseConfig(url, user, password, poolSize);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    Database open(int poolSize) {
        return Database.open(config(poolSize));
    }

    Database open(int poolSize, Object meterRegistry) {
        return Database.open(config(poolSize), meterRegistry);
    }
}
