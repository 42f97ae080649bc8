package com.d3.webhooks.tasks;

/**
 * The status of a main task (an operation), as stored in {@code main_tasks.status}. It follows
 * its file tasks: pending until the first one leaves pending, processing until the last one
 * finishes, then completed (all completed), partially_completed (some of each) or failed (all
 * failed).
 */
public enum MainTaskStatus {
    PENDING("pending"),
    PROCESSING("processing"),
    COMPLETED("completed"),
    PARTIALLY_COMPLETED("partially_completed"),
    FAILED("failed");

    private final String sql;

    MainTaskStatus(String sql) {
        this.sql = sql;
    }

    /** The value in the database and in event payloads. */
    public String sql() {
        return sql;
    }

    public boolean isFinished() {
        return this == COMPLETED || this == PARTIALLY_COMPLETED || this == FAILED;
    }

    public static MainTaskStatus fromSql(String value) {
        for (MainTaskStatus s : values()) {
            if (s.sql.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown main task status '" + value + "'");
    }
}
