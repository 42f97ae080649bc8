package com.d3.webhooks.testing;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

/**
 * The real PostgreSQL every test runs against. Taken from OUTBOX_TEST_DATABASE_URL (bin/test sets
 * it) or, when unset, from a Testcontainers PostgreSQL; when neither is possible the tests fail
 * loudly instead of being skipped. Each test JVM works in a database of its own, created and
 * migrated once, and dropped at exit.
 */
public final class TestDatabase {

    public static final String URL_VARIABLE = "OUTBOX_TEST_DATABASE_URL";
    private static final List<String> TABLES_IN_DELETE_ORDER = List.of(
            "webhook_audit_attempts", "webhook_deliveries", "webhook_outbox_unrouted", "webhook_outbox", "webhook_endpoints",
            "file_tasks", "main_tasks");

    private static TestDatabase instance;

    /** Where scratch databases are created and, at exit, dropped from: never one of them. */
    private final String serverUrl;
    private final String jdbcUrl;
    private final Database database;

    private TestDatabase(String serverUrl) {
        this.serverUrl = serverUrl;
        this.jdbcUrl = createScratchDatabase(serverUrl);
        this.database = Database.open(DatabaseConfig.of(jdbcUrl, null, null).withPoolSize(20));
        database.migrate();
    }

    public static synchronized TestDatabase get() {
        if (instance == null) {
            instance = new TestDatabase(serverUrl());
        }
        return instance;
    }

    public Database database() {
        return database;
    }

    /** The JDBC URL of this JVM's scratch database, for worker processes a test starts. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /**
     * Another empty database on the same server, not migrated, dropped at exit: for tests of a
     * migration itself. Returns its JDBC URL.
     */
    public String createEmptyDatabase() {
        // From the server's URL: dropping it from this JVM's scratch database failed at exit
        // whenever that one had been dropped first, and left the empty database behind.
        return createScratchDatabase(serverUrl);
    }

    /** Empties every table, so each test starts from nothing. */
    public void reset() {
        database.dsl().execute("TRUNCATE " + String.join(", ", TABLES_IN_DELETE_ORDER) + " RESTART IDENTITY CASCADE");
    }

    private static String serverUrl() {
        String fromEnvironment = System.getenv(URL_VARIABLE);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment;
        }
        try {
            return Containers.startPostgres();
        } catch (RuntimeException e) {
            throw new IllegalStateException("No PostgreSQL for the tests: set " + URL_VARIABLE
                    + " (bin/test does) or run a Docker engine for Testcontainers. Cause: " + e.getMessage(), e);
        }
    }

    private static String createScratchDatabase(String serverUrl) {
        String name = "outbox_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database on " + serverUrl + ": " + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> dropDatabase(serverUrl, name)));
        return withDatabaseName(serverUrl, name);
    }

    private static void dropDatabase(String serverUrl, String name) {
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop test database " + name + ": " + e.getMessage());
        }
    }

    /** Replaces the database part of jdbc:postgresql://host:port/db?params. */
    static String withDatabaseName(String url, String name) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        String params = query < 0 ? "" : url.substring(query);
        int slash = base.indexOf('/', "jdbc:postgresql://".length());
        String server = slash < 0 ? base : base.substring(0, slash);
        return server + "/" + name + params;
    }
}
