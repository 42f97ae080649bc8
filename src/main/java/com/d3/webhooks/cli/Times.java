package com.d3.webhooks.cli;

import com.d3.webhooks.config.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** Times as operators write them (ISO-8601 or a duration ago) and as the CLI prints them (UTC). */
final class Times {

    static final String FORMS = "write ISO-8601 (2025-06-01T12:00:00Z, 2025-06-01T14:00:00+02:00, 2025-06-01 "
            + "for midnight UTC) or a duration ago (30m, 2h, 7d)";

    private Times() {
    }

    /** An instant: ISO-8601 (no offset means UTC) or a duration before {@code clock}'s now. */
    static Instant parse(String text, Clock clock) {
        String t = text == null ? "" : text.trim();
        if (t.matches("\\d+(ms|s|m|h|d)")) {
            return clock.instant().minus(Durations.parse(t));
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time: " + FORMS);
        }
    }

    /** UTC, to the second: 2025-06-01T12:00:00Z; "-" for null. */
    static String format(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static String format(OffsetDateTime t) {
        return t == null ? "-" : format(t.toInstant());
    }

    /** A short age: 45s, 12m05s, 3h20m, 2d04h; "-" for null. */
    static String age(Duration d) {
        if (d == null) {
            return "-";
        }
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return String.format("%dd%02dh", s / 86_400, s % 86_400 / 3600);
    }
}
