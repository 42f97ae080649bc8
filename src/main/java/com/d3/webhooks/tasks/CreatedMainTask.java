package com.d3.webhooks.tasks;

import java.util.List;
import java.util.UUID;

/**
 * A main task just created, pending, with its file tasks (pending) in position order.
 */
public record CreatedMainTask(UUID mainTaskId, String accountId, List<UUID> fileTaskIds) {

    public CreatedMainTask {
        fileTaskIds = List.copyOf(fileTaskIds);
    }
}
