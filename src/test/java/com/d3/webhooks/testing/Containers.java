package com.d3.webhooks.testing;

import org.testcontainers.postgresql.PostgreSQLContainer;

/** Testcontainers' PostgreSQL, used only when no database URL is given. */
final class Containers {

    private Containers() {
    }

    static String startPostgres() {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:15-alpine");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
        return container.getJdbcUrl() + (container.getJdbcUrl().contains("?") ? "&" : "?")
                + "user=" + container.getUsername() + "&password=" + container.getPassword();
    }
}
