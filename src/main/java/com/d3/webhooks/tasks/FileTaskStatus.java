package com.d3.webhooks.tasks;

/**
 * The status of a file task, as stored in {@code file_tasks.status}. Allowed moves: pending to
 * processing, completed or failed; processing to completed or failed. Completed and failed are
 * final.
 */
public enum FileTaskStatus {
    PENDING("pending"),
    PROCESSING("processing"),
    COMPLETED("completed"),
    FAILED("failed");

    private final String sql;

    FileTaskStatus(String sql) {
        this.sql = sql;
    }

    /** The value in the database and in event payloads. */
    public String sql() {
        return sql;
    }

    public boolean isFinished() {
        return this == COMPLETED || this == FAILED;
    }

    public static FileTaskStatus fromSql(String value) {
        for (FileTaskStatus s : values()) {
            if (s.sql.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown file task status '" + value + "'");
    }
}
