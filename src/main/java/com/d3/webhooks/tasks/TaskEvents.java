package com.d3.webhooks.tasks;

import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.outbox.OutboxEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * The outbox events of the task lifecycle and their {@code data}. Times are ISO-8601 instants in
 * UTC with six fraction digits, e.g. {@code 2025-03-01T12:00:00.123456Z}; ids are UUID strings.
 */
final class TaskEvents {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Always six fraction digits, as PostgreSQL's to_char(..., 'US') gives them. */
    private static final DateTimeFormatter INSTANT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private TaskEvents() {
    }

    /**
     * {@code fileTask.completed}: {@code {fileTaskId, mainTaskId, status: "completed", result, finishedAt}}
     * with {@code result} null when the task gave none.
     */
    static OutboxEvent fileTaskCompleted(String accountId, UUID fileTaskId, UUID mainTaskId, JsonNode result,
                                         OffsetDateTime finishedAt) {
        ObjectNode data = fileTask(fileTaskId, mainTaskId, FileTaskStatus.COMPLETED);
        data.set("result", result == null ? JSON.nullNode() : result);
        data.put("finishedAt", instant(finishedAt));
        return event(accountId, EventTypes.FILE_TASK_COMPLETED, data, finishedAt, mainTaskId);
    }

    /** {@code fileTask.failed}: {@code {fileTaskId, mainTaskId, status: "failed", error, finishedAt}}. */
    static OutboxEvent fileTaskFailed(String accountId, UUID fileTaskId, UUID mainTaskId, String error,
                                      OffsetDateTime finishedAt) {
        ObjectNode data = fileTask(fileTaskId, mainTaskId, FileTaskStatus.FAILED);
        data.put("error", error);
        data.put("finishedAt", instant(finishedAt));
        return event(accountId, EventTypes.FILE_TASK_FAILED, data, finishedAt, mainTaskId);
    }

    /**
     * {@code operation.completed} (status completed or partially_completed) or
     * {@code operation.failed} (status failed):
     * {@code {mainTaskId, status, counts: {completed, failed, total}, finishedAt}}.
     */
    static OutboxEvent operationFinished(String accountId, UUID mainTaskId, MainTaskStatus status, TaskCounts counts,
                                         OffsetDateTime finishedAt) {
        if (!status.isFinished()) {
            throw new IllegalArgumentException("main task " + mainTaskId + " is " + status.sql() + ", not finished");
        }
        ObjectNode data = JSON.createObjectNode();
        data.put("mainTaskId", mainTaskId.toString());
        data.put("status", status.sql());
        ObjectNode c = data.putObject("counts");
        c.put("completed", counts.completed());
        c.put("failed", counts.failed());
        c.put("total", counts.total());
        data.put("finishedAt", instant(finishedAt));
        String type = status == MainTaskStatus.FAILED ? EventTypes.OPERATION_FAILED : EventTypes.OPERATION_COMPLETED;
        return event(accountId, type, data, finishedAt, mainTaskId);
    }

    private static ObjectNode fileTask(UUID fileTaskId, UUID mainTaskId, FileTaskStatus status) {
        ObjectNode data = JSON.createObjectNode();
        data.put("fileTaskId", fileTaskId.toString());
        data.put("mainTaskId", mainTaskId.toString());
        data.put("status", status.sql());
        return data;
    }

    private static String instant(OffsetDateTime t) {
        return INSTANT.format(t);
    }

    /** Keyed by the main task, so an ordered endpoint gets an operation's events in order. */
    private static OutboxEvent event(String accountId, String type, ObjectNode data, OffsetDateTime occurredAt,
                                     UUID mainTaskId) {
        return OutboxEvent.of(accountId, type, write(data)).withOccurredAt(occurredAt)
                .withOrderingKey(mainTaskId.toString());
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }
}
