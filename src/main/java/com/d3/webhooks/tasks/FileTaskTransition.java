package com.d3.webhooks.tasks;

import java.util.List;
import java.util.UUID;

/**
 * What a lifecycle call did.
 *
 * @param fileTaskId     the file task
 * @param mainTaskId     its main task (the operation)
 * @param fileTaskStatus the file task's status after the call
 * @param changed        false only for starting a file task that is already processing (a no-op)
 * @param mainTaskStatus the main task's status after the call
 * @param counts         the main task's counters after the call
 * @param eventIds       the outbox events written, in insertion order: none for a start, the
 *                       {@code fileTask.*} event for a finish, then the {@code operation.*}
 *                       event when this call finished the main task
 */
public record FileTaskTransition(UUID fileTaskId, UUID mainTaskId, FileTaskStatus fileTaskStatus, boolean changed,
                                 MainTaskStatus mainTaskStatus, TaskCounts counts, List<UUID> eventIds) {

    public FileTaskTransition {
        eventIds = List.copyOf(eventIds);
    }

    /** True when this call made the main task finish, and so wrote its one operation event. */
    public boolean finishedMainTask() {
        return eventIds.size() == 2;
    }
}
