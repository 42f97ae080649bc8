package com.d3.webhooks.testing;

import java.util.Arrays;
import java.util.Comparator;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

/** For tests of a migration: a database migrated up to the migration just before it, whichever that is on this branch. */
public final class OldSchema {

    private OldSchema() {
    }

    /** A new empty database migrated to the last version below {@code version}; returns its JDBC URL. */
    public static String justBefore(String version) {
        String url = TestDatabase.get().createEmptyDatabase();
        MigrationVersion target = MigrationVersion.fromVersion(version);
        MigrationVersion before = Arrays.stream(flyway(url).load().info().all())
                .map(MigrationInfo::getVersion).filter(v -> v.compareTo(target) < 0).max(Comparator.naturalOrder())
                .orElseThrow();
        flyway(url).target(before).load().migrate();
        return url;
    }

    private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(String url) {
        return Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration");
    }
}
