package com.d3.webhooks.db;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Instants as the database stores them. */
public final class DbTime {

    private DbTime() {
    }

    /** PostgreSQL keeps microseconds; truncating here keeps Java's and the database's times equal. */
    public static OffsetDateTime utc(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }
}
