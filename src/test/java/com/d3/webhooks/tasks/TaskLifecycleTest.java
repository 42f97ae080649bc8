package com.d3.webhooks.tasks;

import static com.d3.webhooks.db.schema.Tables.FILE_TASKS;
import static com.d3.webhooks.db.schema.Tables.MAIN_TASKS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.FileTasksRecord;
import com.d3.webhooks.db.schema.tables.records.MainTasksRecord;
import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.tasks.TaskRows.Event;
import com.d3.webhooks.tasks.TaskTransitionException.Reason;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TaskLifecycleTest {

    private static final String ACCOUNT = "acct-1";
    private static final String OTHER_ACCOUNT = "acct-2";
    /** Nanoseconds on purpose: rows and payloads keep microseconds, as PostgreSQL does. */
    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00.123456789Z");

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final MutableClock clock = new MutableClock(T0);
    private final TaskLifecycle tasks = new TaskLifecycle(clock);
    private final TaskLifecycle.OwnTransactions own = tasks.inOwnTransactions(dsl);

    @BeforeEach
    void reset() {
        TestDatabase.get().reset();
    }

    // ---- creation -------------------------------------------------------------------------

    @Test
    void createsPendingMainTaskWithPendingFileTasksInPositionOrderAndNoEvent() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 3);

        MainTasksRecord main = main(created.mainTaskId());
        assertEquals(ACCOUNT, main.getAccountId());
        assertEquals("pending", main.getStatus());
        assertEquals(List.of(3, 0, 0), List.of(main.getTotalCount(), main.getCompletedCount(), main.getFailedCount()));
        assertEquals(micros(T0), at(main.getCreatedAt()));
        assertNull(main.getStartedAt());
        assertNull(main.getFinishedAt());

        assertEquals(3, created.fileTaskIds().size());
        for (int i = 0; i < 3; i++) {
            FileTasksRecord file = file(created.fileTaskIds().get(i));
            assertEquals(i, file.getPosition());
            assertEquals("pending", file.getStatus());
            assertEquals(ACCOUNT, file.getAccountId());
            assertEquals(created.mainTaskId(), file.getMainTaskId());
        }
        assertTrue(TaskRows.events(dsl).isEmpty());
    }

    @Test
    void refusesBadCreationArgumentsBeforeWriting() {
        assertThrows(IllegalArgumentException.class, () -> own.createMainTask(ACCOUNT, 0));
        assertThrows(IllegalArgumentException.class, () -> own.createMainTask(ACCOUNT, TaskLifecycle.MAX_FILE_TASKS + 1));
        assertThrows(IllegalArgumentException.class, () -> own.createMainTask(" ", 1));
        assertThrows(IllegalArgumentException.class, () -> own.createMainTask("a".repeat(201), 1));
        assertTrue(TaskRows.snapshot(dsl).isEmpty());
    }

    // ---- starting -------------------------------------------------------------------------

    @Test
    void firstStartMovesTheMainTaskToProcessingAndWritesNoEvent() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);
        clock.advance(Duration.ofSeconds(1));

        FileTaskTransition t = own.startFileTask(ACCOUNT, created.fileTaskIds().get(0));

        assertTrue(t.changed());
        assertEquals(FileTaskStatus.PROCESSING, t.fileTaskStatus());
        assertEquals(MainTaskStatus.PROCESSING, t.mainTaskStatus());
        assertEquals(new TaskCounts(0, 0, 2), t.counts());
        assertTrue(t.eventIds().isEmpty());
        FileTasksRecord file = file(created.fileTaskIds().get(0));
        assertEquals("processing", file.getStatus());
        assertEquals(micros(T0.plusSeconds(1)), at(file.getStartedAt()));
        MainTasksRecord main = main(created.mainTaskId());
        assertEquals("processing", main.getStatus());
        assertEquals(at(file.getStartedAt()), at(main.getStartedAt()));
        assertEquals("pending", file(created.fileTaskIds().get(1)).getStatus());

        // The second start keeps the main task as it is, started_at included.
        clock.advance(Duration.ofSeconds(1));
        own.startFileTask(ACCOUNT, created.fileTaskIds().get(1));
        assertEquals("processing", main(created.mainTaskId()).getStatus());
        assertEquals(at(main.getStartedAt()), at(main(created.mainTaskId()).getStartedAt()));
        assertTrue(TaskRows.events(dsl).isEmpty());
    }

    @Test
    void startingAProcessingFileTaskAgainIsANoOp() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);
        UUID fileTaskId = created.fileTaskIds().get(0);
        own.startFileTask(ACCOUNT, fileTaskId);
        List<String> before = TaskRows.snapshot(dsl);
        clock.advance(Duration.ofMinutes(1));

        FileTaskTransition again = own.startFileTask(ACCOUNT, fileTaskId);

        assertFalse(again.changed());
        assertEquals(FileTaskStatus.PROCESSING, again.fileTaskStatus());
        assertEquals(MainTaskStatus.PROCESSING, again.mainTaskStatus());
        assertEquals(before, TaskRows.snapshot(dsl), "a repeated start changes nothing, not even updated_at");
    }

    // ---- finishing file tasks: rows and payloads ------------------------------------------

    @Test
    void completingWritesTheRowAndAFileTaskCompletedEventButNoOperationEventWhileOthersRemain() throws Exception {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);
        UUID fileTaskId = created.fileTaskIds().get(0);
        own.startFileTask(ACCOUNT, fileTaskId);
        clock.advance(Duration.ofSeconds(5));
        JsonNode result = TaskRows.JSON.readTree("{\"pages\": 12, \"output\": {\"url\": \"s3://b/k.pdf\"}, \"tags\": [\"a\"]}");

        FileTaskTransition t = own.completeFileTask(ACCOUNT, fileTaskId, result);

        assertEquals(FileTaskStatus.COMPLETED, t.fileTaskStatus());
        assertEquals(MainTaskStatus.PROCESSING, t.mainTaskStatus());
        assertEquals(new TaskCounts(1, 0, 2), t.counts());
        assertFalse(t.finishedMainTask());
        FileTasksRecord file = file(fileTaskId);
        assertEquals("completed", file.getStatus());
        assertEquals(result, TaskRows.parse(file.getResult().data()));
        assertNull(file.getError());
        assertEquals(micros(T0.plusSeconds(5)), at(file.getFinishedAt()));
        MainTasksRecord main = main(created.mainTaskId());
        assertEquals(List.of("processing", 1, 0), List.of(main.getStatus(), main.getCompletedCount(), main.getFailedCount()));
        assertNull(main.getFinishedAt());

        List<Event> events = TaskRows.events(dsl);
        assertEquals(1, events.size());
        Event e = events.get(0);
        assertEquals(t.eventIds(), List.of(e.eventId()));
        assertEquals(ACCOUNT, e.accountId());
        assertEquals(EventTypes.FILE_TASK_COMPLETED, e.type());
        assertEquals(TaskRows.JSON.readTree("{"
                + "\"fileTaskId\": \"" + fileTaskId + "\","
                + "\"mainTaskId\": \"" + created.mainTaskId() + "\","
                + "\"status\": \"completed\","
                + "\"result\": {\"pages\": 12, \"output\": {\"url\": \"s3://b/k.pdf\"}, \"tags\": [\"a\"]},"
                + "\"finishedAt\": \"2025-03-01T12:00:05.123456Z\"}"), e.data());
        assertEquals(at(file.getFinishedAt()), at(occurredAt(e)));
    }

    @Test
    void completingWithoutResultStoresNullAndSendsResultNull() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 3);
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(0), null);
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(1), NullNode.getInstance());

        for (int i = 0; i < 2; i++) {
            assertNull(file(created.fileTaskIds().get(i)).getResult());
            JsonNode data = TaskRows.events(dsl).get(i).data();
            assertTrue(data.has("result") && data.get("result").isNull(), data::toString);
        }
    }

    @Test
    void failingWritesTheErrorAndAFileTaskFailedEvent() throws Exception {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);
        UUID fileTaskId = created.fileTaskIds().get(1);
        own.startFileTask(ACCOUNT, fileTaskId);
        clock.advance(Duration.ofMillis(1500));

        FileTaskTransition t = own.failFileTask(ACCOUNT, fileTaskId, "OCR engine timed out after 300 s");

        assertEquals(FileTaskStatus.FAILED, t.fileTaskStatus());
        assertEquals(new TaskCounts(0, 1, 2), t.counts());
        FileTasksRecord file = file(fileTaskId);
        assertEquals("failed", file.getStatus());
        assertEquals("OCR engine timed out after 300 s", file.getError());
        assertNull(file.getResult());
        List<Event> events = TaskRows.events(dsl);
        assertEquals(1, events.size());
        assertEquals(EventTypes.FILE_TASK_FAILED, events.get(0).type());
        assertEquals(TaskRows.JSON.readTree("{"
                + "\"fileTaskId\": \"" + fileTaskId + "\","
                + "\"mainTaskId\": \"" + created.mainTaskId() + "\","
                + "\"status\": \"failed\","
                + "\"error\": \"OCR engine timed out after 300 s\","
                + "\"finishedAt\": \"2025-03-01T12:00:01.623456Z\"}"), events.get(0).data());
    }

    @Test
    void payloadTimesAlwaysHaveSixFractionDigits() {
        TaskLifecycle onTheSecond = new TaskLifecycle(Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC));
        CreatedMainTask created = own.createMainTask(ACCOUNT, 1);
        onTheSecond.inOwnTransactions(dsl).completeFileTask(ACCOUNT, created.fileTaskIds().get(0), null);

        for (Event e : TaskRows.events(dsl)) {
            assertEquals("2025-03-01T12:00:00.000000Z", e.data().get("finishedAt").asText(), e.type());
        }
    }

    @Test
    void failingNeedsAnErrorMessage() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 1);
        List<String> before = TaskRows.snapshot(dsl);
        assertThrows(IllegalArgumentException.class, () -> own.failFileTask(ACCOUNT, created.fileTaskIds().get(0), null));
        assertThrows(IllegalArgumentException.class, () -> own.failFileTask(ACCOUNT, created.fileTaskIds().get(0), "  "));
        assertEquals(before, TaskRows.snapshot(dsl));
    }

    @Test
    void aFileTaskMayFinishStraightFromPendingAndThatStartsTheMainTask() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);

        FileTaskTransition t = own.failFileTask(ACCOUNT, created.fileTaskIds().get(0), "file is not a PDF");

        assertEquals(MainTaskStatus.PROCESSING, t.mainTaskStatus());
        FileTasksRecord file = file(created.fileTaskIds().get(0));
        assertEquals("failed", file.getStatus());
        assertNull(file.getStartedAt(), "it never processed");
        MainTasksRecord main = main(created.mainTaskId());
        assertEquals("processing", main.getStatus());
        assertEquals(at(file.getFinishedAt()), at(main.getStartedAt()));
    }

    // ---- finishing the main task ----------------------------------------------------------

    @Test
    void allCompletedFinishesTheMainTaskAsCompletedWithOneOperationCompletedEvent() throws Exception {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 3);
        created.fileTaskIds().forEach(id -> own.startFileTask(ACCOUNT, id));
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(2), null);
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(0), null);
        clock.advance(Duration.ofSeconds(30));

        FileTaskTransition last = own.completeFileTask(ACCOUNT, created.fileTaskIds().get(1), null);

        assertTrue(last.finishedMainTask());
        assertEquals(MainTaskStatus.COMPLETED, last.mainTaskStatus());
        assertEquals(new TaskCounts(3, 0, 3), last.counts());
        MainTasksRecord main = main(created.mainTaskId());
        assertEquals("completed", main.getStatus());
        assertEquals(micros(T0.plusSeconds(30)), at(main.getFinishedAt()));

        List<Event> events = TaskRows.events(dsl);
        assertEquals(List.of(EventTypes.FILE_TASK_COMPLETED, EventTypes.FILE_TASK_COMPLETED,
                EventTypes.FILE_TASK_COMPLETED, EventTypes.OPERATION_COMPLETED), types(events));
        Event operation = events.get(3);
        assertEquals(last.eventIds(), List.of(events.get(2).eventId(), operation.eventId()),
                "the last file task's event comes first, then the operation's");
        assertEquals(ACCOUNT, operation.accountId());
        assertEquals(TaskRows.JSON.readTree("{"
                + "\"mainTaskId\": \"" + created.mainTaskId() + "\","
                + "\"status\": \"completed\","
                + "\"counts\": {\"completed\": 3, \"failed\": 0, \"total\": 3},"
                + "\"finishedAt\": \"2025-03-01T12:00:30.123456Z\"}"), operation.data());
        assertEquals(at(main.getFinishedAt()), at(occurredAt(operation)));
    }

    @Test
    void someFailedFinishesTheMainTaskAsPartiallyCompletedWithOperationCompleted() throws Exception {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 3);
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(0), null);
        own.failFileTask(ACCOUNT, created.fileTaskIds().get(1), "corrupt file");
        FileTaskTransition last = own.completeFileTask(ACCOUNT, created.fileTaskIds().get(2), null);

        assertEquals(MainTaskStatus.PARTIALLY_COMPLETED, last.mainTaskStatus());
        assertEquals("partially_completed", main(created.mainTaskId()).getStatus());
        List<Event> operations = TaskRows.operationEvents(dsl, created.mainTaskId());
        assertEquals(1, operations.size());
        assertEquals(EventTypes.OPERATION_COMPLETED, operations.get(0).type());
        assertEquals(TaskRows.JSON.readTree("{"
                + "\"mainTaskId\": \"" + created.mainTaskId() + "\","
                + "\"status\": \"partially_completed\","
                + "\"counts\": {\"completed\": 2, \"failed\": 1, \"total\": 3},"
                + "\"finishedAt\": \"2025-03-01T12:00:00.123456Z\"}"), operations.get(0).data());
    }

    @Test
    void allFailedFinishesTheMainTaskAsFailedWithOperationFailed() throws Exception {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);
        own.failFileTask(ACCOUNT, created.fileTaskIds().get(0), "e1");
        FileTaskTransition last = own.failFileTask(ACCOUNT, created.fileTaskIds().get(1), "e2");

        assertEquals(MainTaskStatus.FAILED, last.mainTaskStatus());
        assertEquals("failed", main(created.mainTaskId()).getStatus());
        List<Event> operations = TaskRows.operationEvents(dsl, created.mainTaskId());
        assertEquals(1, operations.size());
        assertEquals(EventTypes.OPERATION_FAILED, operations.get(0).type());
        assertEquals(TaskRows.JSON.readTree("{"
                + "\"mainTaskId\": \"" + created.mainTaskId() + "\","
                + "\"status\": \"failed\","
                + "\"counts\": {\"completed\": 0, \"failed\": 2, \"total\": 2},"
                + "\"finishedAt\": \"2025-03-01T12:00:00.123456Z\"}"), operations.get(0).data());
    }

    @Test
    void aSingleFileTaskFinishesItsMainTaskInOneCall() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 1);
        FileTaskTransition t = own.completeFileTask(ACCOUNT, created.fileTaskIds().get(0), null);

        assertEquals(MainTaskStatus.COMPLETED, t.mainTaskStatus());
        MainTasksRecord main = main(created.mainTaskId());
        assertEquals("completed", main.getStatus());
        assertNotNull(main.getStartedAt());
        assertEquals(List.of(EventTypes.FILE_TASK_COMPLETED, EventTypes.OPERATION_COMPLETED), types(TaskRows.events(dsl)));
    }

    @Test
    void mainTasksAreIndependent() {
        CreatedMainTask a = own.createMainTask(ACCOUNT, 1);
        CreatedMainTask b = own.createMainTask(ACCOUNT, 2);
        own.completeFileTask(ACCOUNT, a.fileTaskIds().get(0), null);

        assertEquals("completed", main(a.mainTaskId()).getStatus());
        assertEquals("pending", main(b.mainTaskId()).getStatus());
        assertEquals(1, TaskRows.operationEvents(dsl, a.mainTaskId()).size());
        assertEquals(0, TaskRows.operationEvents(dsl, b.mainTaskId()).size());
    }

    // ---- refusals -------------------------------------------------------------------------

    @Test
    void anUnknownFileTaskIsRefusedForEveryTransition() {
        own.createMainTask(ACCOUNT, 1);
        UUID unknown = UUID.randomUUID();
        assertRefused(Reason.NOT_FOUND, null, () -> own.startFileTask(ACCOUNT, unknown));
        assertRefused(Reason.NOT_FOUND, null, () -> own.completeFileTask(ACCOUNT, unknown, null));
        assertRefused(Reason.NOT_FOUND, null, () -> own.failFileTask(ACCOUNT, unknown, "x"));
    }

    @Test
    void aFileTaskOfAnotherAccountIsRefusedForEveryTransition() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);
        UUID theirs = created.fileTaskIds().get(0);
        own.startFileTask(ACCOUNT, created.fileTaskIds().get(1));
        TaskTransitionException e = assertRefused(Reason.OTHER_ACCOUNT, null, () -> own.startFileTask(OTHER_ACCOUNT, theirs));
        assertEquals(theirs, e.fileTaskId());
        assertRefused(Reason.OTHER_ACCOUNT, null, () -> own.completeFileTask(OTHER_ACCOUNT, theirs, null));
        assertRefused(Reason.OTHER_ACCOUNT, null, () -> own.failFileTask(OTHER_ACCOUNT, theirs, "x"));
    }

    @Test
    void aFinishedFileTaskNeverMovesAgain() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 3);
        UUID completed = created.fileTaskIds().get(0);
        UUID failed = created.fileTaskIds().get(1);
        own.completeFileTask(ACCOUNT, completed, null);
        own.failFileTask(ACCOUNT, failed, "broken");

        for (UUID id : List.of(completed, failed)) {
            FileTaskStatus current = id.equals(completed) ? FileTaskStatus.COMPLETED : FileTaskStatus.FAILED;
            TaskTransitionException e = assertRefused(Reason.ALREADY_FINISHED, current, () -> own.startFileTask(ACCOUNT, id));
            assertTrue(e.getMessage().contains("cannot become processing"), e.getMessage());
            assertRefused(Reason.ALREADY_FINISHED, current, () -> own.completeFileTask(ACCOUNT, id, null));
            assertRefused(Reason.ALREADY_FINISHED, current, () -> own.failFileTask(ACCOUNT, id, "again"));
        }
        // The last one still finishes the main task, with counts that ignored the refusals.
        FileTaskTransition last = own.completeFileTask(ACCOUNT, created.fileTaskIds().get(2), null);
        assertEquals(new TaskCounts(2, 1, 3), last.counts());
    }

    @Test
    void aFinishedMainTaskStaysFinished() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 1);
        UUID id = created.fileTaskIds().get(0);
        own.failFileTask(ACCOUNT, id, "broken");
        assertRefused(Reason.ALREADY_FINISHED, FileTaskStatus.FAILED, () -> own.completeFileTask(ACCOUNT, id, null));
        assertEquals("failed", main(created.mainTaskId()).getStatus());
        assertEquals(1, TaskRows.operationEvents(dsl, created.mainTaskId()).size());
    }

    @Test
    void aRefusalLeavesTheCallersTransactionUsable() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(0), null);

        dsl.transaction(c -> {
            assertThrows(TaskTransitionException.class,
                    () -> tasks.completeFileTask(c.dsl(), ACCOUNT, created.fileTaskIds().get(0), null));
            assertThrows(TaskTransitionException.class,
                    () -> tasks.startFileTask(c.dsl(), OTHER_ACCOUNT, created.fileTaskIds().get(1)));
            // PostgreSQL saw no error: the transaction goes on and commits.
            tasks.completeFileTask(c.dsl(), ACCOUNT, created.fileTaskIds().get(1), null);
        });

        assertEquals("completed", main(created.mainTaskId()).getStatus());
        assertEquals(List.of(EventTypes.FILE_TASK_COMPLETED, EventTypes.FILE_TASK_COMPLETED, EventTypes.OPERATION_COMPLETED),
                types(TaskRows.events(dsl)));
    }

    @Test
    void countersThatDisagreeWithTheFileTasksStopTheTransition() {
        // Rows changed around the lifecycle: the main task counts its one file task as finished,
        // but the file task is still processing.
        CreatedMainTask created = own.createMainTask(ACCOUNT, 1);
        UUID fileTaskId = created.fileTaskIds().get(0);
        own.startFileTask(ACCOUNT, fileTaskId);
        dsl.update(MAIN_TASKS).set(MAIN_TASKS.STATUS, "completed").set(MAIN_TASKS.COMPLETED_COUNT, 1)
                .set(MAIN_TASKS.FINISHED_AT, OffsetDateTime.now()).execute();
        List<String> before = TaskRows.snapshot(dsl);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> own.completeFileTask(ACCOUNT, fileTaskId, null));

        assertTrue(e.getMessage().contains("counters disagree"), e.getMessage());
        assertEquals(before, TaskRows.snapshot(dsl), "rolled back: no second operation event");
    }

    // ---- the caller's transaction ---------------------------------------------------------

    @Test
    void theCallersRollbackUndoesTheStateChangeAndItsEvents() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 2);
        created.fileTaskIds().forEach(id -> own.startFileTask(ACCOUNT, id));
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(0), null);
        List<String> before = TaskRows.snapshot(dsl);

        RuntimeException callersFailure = new RuntimeException("the caller's own work failed");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> dsl.transaction(c -> {
            FileTaskTransition t = tasks.completeFileTask(c.dsl(), ACCOUNT, created.fileTaskIds().get(1), null);
            assertTrue(t.finishedMainTask(), "inside the transaction the main task finished");
            throw callersFailure;
        }));

        assertSame(callersFailure, thrown);
        assertEquals(before, TaskRows.snapshot(dsl), "no file task change, no counter, no fileTask or operation event");
        assertEquals("processing", file(created.fileTaskIds().get(1)).getStatus());
        assertEquals(0, TaskRows.operationEvents(dsl, created.mainTaskId()).size());

        // And the task can still finish afterwards, once.
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(1), null);
        assertEquals(1, TaskRows.operationEvents(dsl, created.mainTaskId()).size());
    }

    @Test
    void theCallersOwnWorkCommitsWithTheStateChange() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 1);

        dsl.transaction(c -> {
            tasks.failFileTask(c.dsl(), ACCOUNT, created.fileTaskIds().get(0), "virus found");
            Outbox.insert(c.dsl(), OutboxEvent.of(ACCOUNT, "account.flagged", "{\"reason\": \"virus\"}"));
        });

        assertEquals("failed", main(created.mainTaskId()).getStatus());
        assertEquals(List.of(EventTypes.FILE_TASK_FAILED, EventTypes.OPERATION_FAILED, "account.flagged"),
                types(TaskRows.events(dsl)));
    }

    @Test
    void ownTransactionsRollBackARefusalAndRethrowItUnwrapped() {
        CreatedMainTask created = own.createMainTask(ACCOUNT, 1);
        own.completeFileTask(ACCOUNT, created.fileTaskIds().get(0), null);

        TaskTransitionException e = assertThrows(TaskTransitionException.class,
                () -> own.failFileTask(ACCOUNT, created.fileTaskIds().get(0), "late"));
        assertEquals(Reason.ALREADY_FINISHED, e.reason());
    }

    // ---- helpers --------------------------------------------------------------------------

    /** Asserts the call is refused for the reason and changes no row. */
    private TaskTransitionException assertRefused(Reason reason, FileTaskStatus current, Runnable call) {
        List<String> before = TaskRows.snapshot(dsl);
        clock.advance(Duration.ofSeconds(1));
        TaskTransitionException e = assertThrows(TaskTransitionException.class, call::run);
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(current, e.currentStatus());
        assertTrue(e.getMessage().endsWith("nothing was changed"), e.getMessage());
        assertEquals(before, TaskRows.snapshot(dsl), "a refusal writes nothing");
        return e;
    }

    private MainTasksRecord main(UUID id) {
        return dsl.fetchSingle(MAIN_TASKS, MAIN_TASKS.ID.eq(id));
    }

    private FileTasksRecord file(UUID id) {
        return dsl.fetchSingle(FILE_TASKS, FILE_TASKS.ID.eq(id));
    }

    private OffsetDateTime occurredAt(Event e) {
        return dsl.select(WEBHOOK_OUTBOX.OCCURRED_AT)
                .from(WEBHOOK_OUTBOX)
                .where(WEBHOOK_OUTBOX.EVENT_ID.eq(e.eventId()))
                .fetchSingle().value1();
    }

    private static List<String> types(List<Event> events) {
        return events.stream().map(Event::type).toList();
    }

    private static Instant micros(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private static Instant at(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
