package com.d3.webhooks.tasks;

import com.d3.webhooks.db.DbTime;
import static com.d3.webhooks.db.schema.Tables.FILE_TASKS;
import static com.d3.webhooks.db.schema.Tables.MAIN_TASKS;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.val;
import static org.jooq.impl.DSL.when;

import com.d3.webhooks.db.schema.tables.records.MainTasksRecord;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of main tasks (operations) and their file tasks, and the webhook events it
 * writes. Every method takes a {@link DSLContext} that is inside the caller's transaction: the
 * status change and its outbox events commit or roll back with the caller's own work. For a
 * transaction per call, use {@link #inOwnTransactions(DSLContext)}. The events are written with
 * {@link Outbox#insert}, so they carry the caller's current OpenTelemetry span, if any, as their
 * trace context.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li>A file task moves pending → processing → completed | failed. It may also finish straight
 *     from pending (a file rejected or found done before it ran); its started_at stays null.</li>
 * <li>Starting a file task that is already processing is a no-op (a repeated "started" message is
 *     harmless: it writes no event); the result says {@code changed = false}.</li>
 * <li>A completed or failed file task never moves again: refused with
 *     {@link TaskTransitionException.Reason#ALREADY_FINISHED}, so a repeated finish is visible to
 *     the caller (it would otherwise send a second event).</li>
 * <li>An unknown file task id and a file task of another account are refused
 *     ({@code NOT_FOUND}, {@code OTHER_ACCOUNT}). A refusal writes nothing.</li>
 * <li>The main task becomes processing when its first file task leaves pending, and finishes
 *     with the last file task: completed (all completed), partially_completed, or failed (all
 *     failed). That finishing call writes the one {@code operation.completed} or
 *     {@code operation.failed} event, after the file task's own event.</li>
 * </ul>
 *
 * <h2>Exactly one operation event</h2>
 * Every transition first locks the main task row ({@code SELECT ... FOR UPDATE}) and holds the
 * lock until the caller commits or rolls back. Two transactions finishing the last file tasks of
 * one main task at the same moment therefore run one after the other: the second one's
 * statements start after the first committed and, under READ COMMITTED, see its counters. The
 * counters UPDATE is fenced on "not all finished yet", so exactly one transaction's increment
 * makes completed + failed = total, and only that one writes the operation event. (The counters
 * UPDATE would take the same row lock by itself; locking first gives every transition the same
 * lock order, main task then file task, so transitions of one main task never deadlock each
 * other, even when one transaction changes several of its file tasks.)
 * <p>
 * A transaction that changes file tasks of several main tasks should take them in a fixed order
 * (e.g. by main task id), or PostgreSQL may abort it as a deadlock. The same rules in SQL, for
 * applications in other languages: docs/task-lifecycle.md.
 */
public final class TaskLifecycle {

    /** Most file tasks one main task may have (one INSERT of up to 50,000 bind values). */
    public static final int MAX_FILE_TASKS = 10_000;
    public static final int MAX_ACCOUNT_ID_LENGTH = 200;

    private static final Logger log = LoggerFactory.getLogger(TaskLifecycle.class);

    private final Clock clock;

    /** Times from the system clock. */
    public TaskLifecycle() {
        this(Clock.systemUTC());
    }

    /** Times (created, started, finished, event occurred_at) from {@code clock}. */
    public TaskLifecycle(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Creates a pending main task of {@code accountId} with {@code fileTaskCount} pending file
     * tasks (positions 0 to count - 1). Writes no event.
     */
    public CreatedMainTask createMainTask(DSLContext tx, String accountId, int fileTaskCount) {
        requireAccount(accountId);
        if (fileTaskCount < 1 || fileTaskCount > MAX_FILE_TASKS) {
            throw new IllegalArgumentException(
                    "a main task needs 1 to " + MAX_FILE_TASKS + " file tasks (got " + fileTaskCount + ")");
        }
        OffsetDateTime now = now();
        UUID mainTaskId = tx.insertInto(MAIN_TASKS)
                .set(MAIN_TASKS.ACCOUNT_ID, accountId)
                .set(MAIN_TASKS.TOTAL_COUNT, fileTaskCount)
                .set(MAIN_TASKS.CREATED_AT, now)
                .set(MAIN_TASKS.UPDATED_AT, now)
                .returning(MAIN_TASKS.ID)
                .fetchOne(MAIN_TASKS.ID);
        var insert = tx.insertInto(FILE_TASKS, FILE_TASKS.MAIN_TASK_ID, FILE_TASKS.ACCOUNT_ID, FILE_TASKS.POSITION,
                FILE_TASKS.CREATED_AT, FILE_TASKS.UPDATED_AT);
        for (int position = 0; position < fileTaskCount; position++) {
            insert = insert.values(mainTaskId, accountId, position, now, now);
        }
        List<UUID> fileTaskIds = insert.returning(FILE_TASKS.ID, FILE_TASKS.POSITION).fetch().stream()
                .sorted((a, b) -> Integer.compare(a.get(FILE_TASKS.POSITION), b.get(FILE_TASKS.POSITION)))
                .map(r -> r.get(FILE_TASKS.ID))
                .toList();
        return new CreatedMainTask(mainTaskId, accountId, fileTaskIds);
    }

    /**
     * Moves a pending file task to processing, and its main task to processing when it was
     * pending. Writes no event. A file task already processing is left as it is
     * ({@code changed = false}).
     *
     * @throws TaskTransitionException NOT_FOUND, OTHER_ACCOUNT, or ALREADY_FINISHED
     */
    public FileTaskTransition startFileTask(DSLContext tx, String accountId, UUID fileTaskId) {
        requireAccount(accountId);
        Objects.requireNonNull(fileTaskId, "fileTaskId");
        MainTasksRecord main = lockMainTaskOf(tx, accountId, fileTaskId);
        OffsetDateTime now = now();
        int started = tx.update(FILE_TASKS)
                .set(FILE_TASKS.STATUS, FileTaskStatus.PROCESSING.sql())
                .set(FILE_TASKS.STARTED_AT, now)
                .set(FILE_TASKS.UPDATED_AT, now)
                .where(FILE_TASKS.ID.eq(fileTaskId))
                .and(FILE_TASKS.STATUS.eq(FileTaskStatus.PENDING.sql()))
                .execute();
        if (started == 0) {
            FileTaskStatus current = currentStatus(tx, fileTaskId);
            if (current != FileTaskStatus.PROCESSING) {
                throw alreadyFinished(fileTaskId, current, FileTaskStatus.PROCESSING);
            }
            return new FileTaskTransition(fileTaskId, main.getId(), current, false,
                    MainTaskStatus.fromSql(main.getStatus()), counts(main), List.of());
        }
        // A main task is never finished while one of its file tasks is still pending, so it is
        // pending (its first file task starts now) or processing already.
        if (MainTaskStatus.fromSql(main.getStatus()) == MainTaskStatus.PENDING) {
            tx.update(MAIN_TASKS)
                    .set(MAIN_TASKS.STATUS, MainTaskStatus.PROCESSING.sql())
                    .set(MAIN_TASKS.STARTED_AT, now)
                    .set(MAIN_TASKS.UPDATED_AT, now)
                    .where(MAIN_TASKS.ID.eq(main.getId()))
                    .execute();
        }
        return new FileTaskTransition(fileTaskId, main.getId(), FileTaskStatus.PROCESSING, true,
                MainTaskStatus.PROCESSING, counts(main), List.of());
    }

    /**
     * Completes a pending or processing file task with an optional result (any JSON value; null
     * or JSON null for none), writes {@code fileTask.completed}, and finishes the main task with
     * its operation event when this was its last unfinished file task.
     *
     * @throws TaskTransitionException NOT_FOUND, OTHER_ACCOUNT, or ALREADY_FINISHED
     */
    public FileTaskTransition completeFileTask(DSLContext tx, String accountId, UUID fileTaskId, JsonNode result) {
        requireAccount(accountId);
        Objects.requireNonNull(fileTaskId, "fileTaskId");
        JsonNode stored = result == null || result.isNull() ? null : result;
        return finish(tx, accountId, fileTaskId, FileTaskStatus.COMPLETED, stored, null);
    }

    /**
     * Fails a pending or processing file task with an error message (required, not blank),
     * writes {@code fileTask.failed}, and finishes the main task with its operation event when
     * this was its last unfinished file task.
     *
     * @throws TaskTransitionException NOT_FOUND, OTHER_ACCOUNT, or ALREADY_FINISHED
     */
    public FileTaskTransition failFileTask(DSLContext tx, String accountId, UUID fileTaskId, String error) {
        requireAccount(accountId);
        Objects.requireNonNull(fileTaskId, "fileTaskId");
        if (error == null || error.isBlank()) {
            throw new IllegalArgumentException("a failed file task needs an error message (got "
                    + (error == null ? "null" : "a blank one") + ")");
        }
        return finish(tx, accountId, fileTaskId, FileTaskStatus.FAILED, null, error);
    }

    /** The same operations, each in a transaction of its own on {@code dsl} (committed on return). */
    public OwnTransactions inOwnTransactions(DSLContext dsl) {
        return new OwnTransactions(this, dsl);
    }

    private FileTaskTransition finish(DSLContext tx, String accountId, UUID fileTaskId, FileTaskStatus status,
                                      JsonNode result, String error) {
        // 1. The main task row lock: see the class comment.
        MainTasksRecord main = lockMainTaskOf(tx, accountId, fileTaskId);
        UUID mainTaskId = main.getId();
        OffsetDateTime now = now();

        // 2. The file task, fenced on "not finished yet".
        int finished = tx.update(FILE_TASKS)
                .set(FILE_TASKS.STATUS, status.sql())
                .set(FILE_TASKS.RESULT, result == null ? null : JSONB.jsonb(TaskEvents.write(result)))
                .set(FILE_TASKS.ERROR, error)
                .set(FILE_TASKS.FINISHED_AT, now)
                .set(FILE_TASKS.UPDATED_AT, now)
                .where(FILE_TASKS.ID.eq(fileTaskId))
                .and(FILE_TASKS.STATUS.in(FileTaskStatus.PENDING.sql(), FileTaskStatus.PROCESSING.sql()))
                .execute();
        if (finished == 0) {
            throw alreadyFinished(fileTaskId, currentStatus(tx, fileTaskId), status);
        }

        // 3. The counters, and the main task's status that follows from them. Fenced on "not all
        //    finished yet": a main task finishes once.
        Field<Integer> completed = MAIN_TASKS.COMPLETED_COUNT.plus(status == FileTaskStatus.COMPLETED ? 1 : 0);
        Field<Integer> failed = MAIN_TASKS.FAILED_COUNT.plus(status == FileTaskStatus.FAILED ? 1 : 0);
        Condition allFinished = completed.plus(failed).eq(MAIN_TASKS.TOTAL_COUNT);
        MainTasksRecord after = tx.update(MAIN_TASKS)
                .set(MAIN_TASKS.COMPLETED_COUNT, completed)
                .set(MAIN_TASKS.FAILED_COUNT, failed)
                .set(MAIN_TASKS.STATUS,
                        when(allFinished.and(failed.eq(0)), val(MainTaskStatus.COMPLETED.sql()))
                                .when(allFinished.and(completed.eq(0)), val(MainTaskStatus.FAILED.sql()))
                                .when(allFinished, val(MainTaskStatus.PARTIALLY_COMPLETED.sql()))
                                .otherwise(val(MainTaskStatus.PROCESSING.sql())))
                .set(MAIN_TASKS.STARTED_AT, coalesce(MAIN_TASKS.STARTED_AT, val(now)))
                .set(MAIN_TASKS.FINISHED_AT, when(allFinished, val(now)).otherwise(MAIN_TASKS.FINISHED_AT))
                .set(MAIN_TASKS.UPDATED_AT, now)
                .where(MAIN_TASKS.ID.eq(mainTaskId))
                .and(MAIN_TASKS.COMPLETED_COUNT.plus(MAIN_TASKS.FAILED_COUNT).lt(MAIN_TASKS.TOTAL_COUNT))
                .returning()
                .fetchOne();
        if (after == null) {
            // Only possible when rows were changed around this class: the transaction must not commit.
            throw new IllegalStateException("main task " + mainTaskId + " counts every file task as finished, but file task "
                    + fileTaskId + " was not: main_tasks counters disagree with file_tasks; roll the transaction back");
        }
        MainTaskStatus mainStatus = MainTaskStatus.fromSql(after.getStatus());
        TaskCounts counts = counts(after);

        // 4. The events: the file task's, then the operation's when this call finished it.
        List<UUID> eventIds = new ArrayList<>(2);
        OutboxEvent fileEvent = status == FileTaskStatus.COMPLETED
                ? TaskEvents.fileTaskCompleted(accountId, fileTaskId, mainTaskId, result, now)
                : TaskEvents.fileTaskFailed(accountId, fileTaskId, mainTaskId, error, now);
        eventIds.add(insert(tx, fileEvent));
        if (mainStatus.isFinished()) {
            UUID operationEvent = insert(tx, TaskEvents.operationFinished(accountId, mainTaskId, mainStatus, counts, now));
            eventIds.add(operationEvent);
            log.debug("main task {} of account {} finished as {} ({} completed, {} failed of {}); event {} written "
                            + "and goes out when the transaction commits", mainTaskId, accountId, mainStatus.sql(),
                    counts.completed(), counts.failed(), counts.total(), operationEvent);
        }
        return new FileTaskTransition(fileTaskId, mainTaskId, status, true, mainStatus, counts, eventIds);
    }

    /**
     * Locks and returns the main task of the account's file task; refuses an unknown file task
     * and one of another account.
     */
    private MainTasksRecord lockMainTaskOf(DSLContext tx, String accountId, UUID fileTaskId) {
        MainTasksRecord main = tx.selectFrom(MAIN_TASKS)
                .where(MAIN_TASKS.ID.eq(select(FILE_TASKS.MAIN_TASK_ID).from(FILE_TASKS)
                        .where(FILE_TASKS.ID.eq(fileTaskId))
                        .and(FILE_TASKS.ACCOUNT_ID.eq(accountId))))
                .forUpdate()
                .fetchOne();
        if (main != null) {
            return main;
        }
        Record2<String, String> owner = tx.select(FILE_TASKS.ACCOUNT_ID, FILE_TASKS.STATUS).from(FILE_TASKS)
                .where(FILE_TASKS.ID.eq(fileTaskId))
                .fetchOne();
        if (owner == null) {
            throw new TaskTransitionException(TaskTransitionException.Reason.NOT_FOUND, fileTaskId, null,
                    "file task " + fileTaskId + " does not exist; nothing was changed");
        }
        throw new TaskTransitionException(TaskTransitionException.Reason.OTHER_ACCOUNT, fileTaskId, null,
                "file task " + fileTaskId + " does not belong to account " + accountId + "; nothing was changed");
    }

    private static FileTaskStatus currentStatus(DSLContext tx, UUID fileTaskId) {
        return FileTaskStatus.fromSql(tx.select(FILE_TASKS.STATUS).from(FILE_TASKS)
                .where(FILE_TASKS.ID.eq(fileTaskId))
                .fetchSingle(FILE_TASKS.STATUS));
    }

    private static TaskTransitionException alreadyFinished(UUID fileTaskId, FileTaskStatus current,
                                                           FileTaskStatus wanted) {
        return new TaskTransitionException(TaskTransitionException.Reason.ALREADY_FINISHED, fileTaskId, current,
                "file task " + fileTaskId + " is " + current.sql() + " already and cannot become " + wanted.sql()
                        + ": a finished file task never changes; nothing was changed");
    }

    private static UUID insert(DSLContext tx, OutboxEvent event) {
        return Outbox.insert(tx, event).orElseThrow(() -> new IllegalStateException(
                "the outbox ignored a new " + event.eventType() + " event as a duplicate"));
    }

    private static TaskCounts counts(MainTasksRecord main) {
        return new TaskCounts(main.getCompletedCount(), main.getFailedCount(), main.getTotalCount());
    }

    /** The clock's time at PostgreSQL's precision, so the payload says what the row says. */
    private OffsetDateTime now() {
        return DbTime.utc(clock.instant());
    }

    private static void requireAccount(String accountId) {
        if (accountId == null || accountId.isBlank() || accountId.length() > MAX_ACCOUNT_ID_LENGTH) {
            throw new IllegalArgumentException("accountId must be 1 to " + MAX_ACCOUNT_ID_LENGTH + " characters");
        }
    }

    /**
     * The lifecycle with a transaction per call: each method runs in
     * {@code dsl.transactionResult(...)} and has committed when it returns; on an exception
     * (a {@link TaskTransitionException} too) it has rolled back and the exception is rethrown.
     */
    public static final class OwnTransactions {

        private final TaskLifecycle lifecycle;
        private final DSLContext dsl;

        private OwnTransactions(TaskLifecycle lifecycle, DSLContext dsl) {
            this.lifecycle = lifecycle;
            this.dsl = Objects.requireNonNull(dsl, "dsl");
        }

        public CreatedMainTask createMainTask(String accountId, int fileTaskCount) {
            return dsl.transactionResult(c -> lifecycle.createMainTask(c.dsl(), accountId, fileTaskCount));
        }

        public FileTaskTransition startFileTask(String accountId, UUID fileTaskId) {
            return dsl.transactionResult(c -> lifecycle.startFileTask(c.dsl(), accountId, fileTaskId));
        }

        public FileTaskTransition completeFileTask(String accountId, UUID fileTaskId, JsonNode result) {
            return dsl.transactionResult(c -> lifecycle.completeFileTask(c.dsl(), accountId, fileTaskId, result));
        }

        public FileTaskTransition failFileTask(String accountId, UUID fileTaskId, String error) {
            return dsl.transactionResult(c -> lifecycle.failFileTask(c.dsl(), accountId, fileTaskId, error));
        }
    }
}
