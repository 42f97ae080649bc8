package com.d3.webhooks.tasks;

import java.util.UUID;

/**
 * A lifecycle call that was refused. Nothing was written: the caller's transaction may go on
 * (PostgreSQL saw no error) or roll back.
 */
public final class TaskTransitionException extends RuntimeException {

    public enum Reason {
        /** No file task has this id. */
        NOT_FOUND,
        /**
         * The file task belongs to another account. An API facing customers should answer as for
         * {@link #NOT_FOUND}, so as not to tell one account that another's task exists.
         */
        OTHER_ACCOUNT,
        /** The file task is completed or failed already; a finished file task never moves again. */
        ALREADY_FINISHED
    }

    private final Reason reason;
    private final UUID fileTaskId;
    private final FileTaskStatus currentStatus;

    TaskTransitionException(Reason reason, UUID fileTaskId, FileTaskStatus currentStatus, String message) {
        super(message);
        this.reason = reason;
        this.fileTaskId = fileTaskId;
        this.currentStatus = currentStatus;
    }

    public Reason reason() {
        return reason;
    }

    public UUID fileTaskId() {
        return fileTaskId;
    }

    /** The file task's status for {@link Reason#ALREADY_FINISHED}; null for the other reasons. */
    public FileTaskStatus currentStatus() {
        return currentStatus;
    }
}
