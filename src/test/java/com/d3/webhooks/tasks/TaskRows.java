package com.d3.webhooks.tasks;

import static com.d3.webhooks.db.schema.Tables.FILE_TASKS;
import static com.d3.webhooks.db.schema.Tables.MAIN_TASKS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Reads what the lifecycle wrote, for assertions. */
final class TaskRows {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One outbox row as the webhook worker would see it. */
    record Event(UUID eventId, String accountId, String type, JsonNode data) {
    }

    private TaskRows() {
    }

    /** Every row of the three tables, in a stable order: equal snapshots mean nothing changed. */
    static List<String> snapshot(DSLContext dsl) {
        var rows = new java.util.ArrayList<String>();
        dsl.selectFrom(MAIN_TASKS).orderBy(MAIN_TASKS.ID).fetch().forEach(r -> rows.add(r.formatCSV(false)));
        dsl.selectFrom(FILE_TASKS).orderBy(FILE_TASKS.ID).fetch().forEach(r -> rows.add(r.formatCSV(false)));
        dsl.selectFrom(WEBHOOK_OUTBOX).orderBy(WEBHOOK_OUTBOX.ID).fetch().forEach(r -> rows.add(r.formatCSV(false)));
        return rows;
    }

    /** All outbox events in insertion order. */
    static List<Event> events(DSLContext dsl) {
        return dsl.selectFrom(WEBHOOK_OUTBOX).orderBy(WEBHOOK_OUTBOX.ID).fetch().stream()
                .map(r -> new Event(r.getEventId(), r.getAccountId(), r.getEventType(), parse(r.getPayload().data())))
                .toList();
    }

    /** The operation.* events of one main task. */
    static List<Event> operationEvents(DSLContext dsl, UUID mainTaskId) {
        return dsl.selectFrom(WEBHOOK_OUTBOX)
                .where(WEBHOOK_OUTBOX.EVENT_TYPE.like("operation.%"))
                .and(DSL.field("payload ->> 'mainTaskId'", String.class).eq(mainTaskId.toString()))
                .orderBy(WEBHOOK_OUTBOX.ID)
                .fetch().stream()
                .map(r -> new Event(r.getEventId(), r.getAccountId(), r.getEventType(), parse(r.getPayload().data())))
                .toList();
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
