package com.d3.webhooks.db;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the database is and how many connections to hold. Immutable; validated on creation.
 *
 * @param jdbcUrl  a PostgreSQL JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/outbox}
 * @param user     database user, may be null when the URL carries it
 * @param password database password, may be null (trust or peer authentication)
 * @param poolSize maximum connections in the pool (1 to 200)
 */
public record DatabaseConfig(String jdbcUrl, String user, String password, int poolSize) {

    public static final int DEFAULT_POOL_SIZE = 8;
    private static final Pattern SERVER_ERROR_DETAIL_ON =
            Pattern.compile("[?&]logServerErrorDetail=(?!false(&|$))", Pattern.CASE_INSENSITIVE);

    public DatabaseConfig {
        Objects.requireNonNull(jdbcUrl, "database URL");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "database URL must start with jdbc:postgresql: (got '" + jdbcUrl + "')");
        }
        // Off for every connection (resources/org/postgresql/driverconfig.properties): the detail
        // of a constraint error repeats the row, secrets included.
        if (SERVER_ERROR_DETAIL_ON.matcher(jdbcUrl).find()) {
            throw new IllegalArgumentException("database URL must not turn on logServerErrorDetail: PostgreSQL's "
                    + "error detail repeats whole rows, endpoint secrets included, into error messages and logs");
        }
        if (poolSize < 1 || poolSize > 200) {
            throw new IllegalArgumentException("database pool size must be 1 to 200 (got " + poolSize + ")");
        }
    }

    public static DatabaseConfig of(String jdbcUrl, String user, String password) {
        return new DatabaseConfig(jdbcUrl, user, password, DEFAULT_POOL_SIZE);
    }

    public DatabaseConfig withPoolSize(int size) {
        return new DatabaseConfig(jdbcUrl, user, password, size);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "DatabaseConfig[" + jdbcUrl + ", user=" + user + ", poolSize=" + poolSize + "]";
    }
}
