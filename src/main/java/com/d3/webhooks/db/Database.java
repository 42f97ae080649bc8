package com.d3.webhooks.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/** A connection pool and a jOOQ context over it; the one way the service reaches PostgreSQL. */
public final class Database implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final DSLContext dsl;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES,
                new Settings().withRenderSchema(false).withExecuteLogging(false));
    }

    public static Database open(DatabaseConfig config) {
        return open(config, null);
    }

    /** @param meterRegistry a Micrometer registry for the pool's metrics, or null */
    public static Database open(DatabaseConfig config, Object meterRegistry) {
        HikariConfig hikari = new HikariConfig();
        if (meterRegistry != null) {
            hikari.setMetricRegistry(meterRegistry);
        }
        hikari.setJdbcUrl(config.jdbcUrl());
        if (config.user() != null) {
            hikari.setUsername(config.user());
        }
        if (config.password() != null) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(1);
        hikari.setPoolName("outbox");
        // Fail fast at start when the database is not there, with the driver's reason.
        hikari.setInitializationFailTimeout(10_000);
        hikari.setConnectionTimeout(10_000);
        return new Database(new HikariDataSource(hikari));
    }

    public DSLContext dsl() {
        return dsl;
    }

    /** Whether the database answers a trivial query within 2 seconds. */
    public boolean answers() {
        try (var c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Applies the scripts of migrations/ (packaged as db/migration) that are not applied yet. */
    public MigrateResult migrate() {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
