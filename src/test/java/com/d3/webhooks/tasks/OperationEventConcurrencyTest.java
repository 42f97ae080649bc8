package com.d3.webhooks.tasks;

import static com.d3.webhooks.db.schema.Tables.FILE_TASKS;
import static com.d3.webhooks.db.schema.Tables.MAIN_TASKS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.schema.tables.records.MainTasksRecord;
import com.d3.webhooks.outbox.EventTypes;
import com.d3.webhooks.tasks.TaskRows.Event;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proof of "exactly one operation event per main task": the last file tasks of a main task
 * finish at the same moment in different transactions on different connections (READ
 * COMMITTED, PostgreSQL's default), lined up by a barrier inside their transactions.
 * <p>
 * This test can fail; checked once by hand, each time on TaskLifecycle only:
 * <ul>
 * <li>The naive way: no {@code FOR UPDATE} on the main task, and "was this the last one?"
 *     decided by an unlocked {@code SELECT count(*) FROM file_tasks WHERE main_task_id = ? AND
 *     status IN ('pending', 'processing')} right after the file task's UPDATE (before the
 *     counters UPDATE). The first test failed: "188 rounds without and 0 with several operation
 *     events" of 200. Each finishing transaction saw the others' file tasks still unfinished,
 *     their updates not being committed yet, so nobody wrote the event.</li>
 * <li>The same unlocked count with the {@code FOR UPDATE} put back: passes (the lock makes the
 *     count run after the other transaction committed).</li>
 * <li>Only the {@code FOR UPDATE} removed, the counters kept: passes, as the class comment of
 *     TaskLifecycle says: the counters UPDATE takes the same row lock, and under READ COMMITTED
 *     a blocked UPDATE applies to the newest committed counters.</li>
 * </ul>
 */
class OperationEventConcurrencyTest {

    private static final String ACCOUNT = "acct-race";
    private static final int ROUNDS = 200;
    private static final int MAX_THREADS = 4;
    private static final int SAME_TASK_ROUNDS = 20;

    private static ExecutorService pool;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final TaskLifecycle tasks = new TaskLifecycle();

    /** One main task of the race: its file tasks, each one's outcome, how many finish together. */
    private record Round(UUID mainTaskId, List<UUID> fileTaskIds, List<Boolean> completes, int together,
                         boolean startedFirst) {

        List<UUID> last() {
            return fileTaskIds.subList(fileTaskIds.size() - together, fileTaskIds.size());
        }

        TaskCounts expectedCounts() {
            int completed = (int) completes.stream().filter(c -> c).count();
            return new TaskCounts(completed, completes.size() - completed, completes.size());
        }

        MainTaskStatus expectedStatus() {
            TaskCounts c = expectedCounts();
            return c.failed() == 0 ? MainTaskStatus.COMPLETED
                    : c.completed() == 0 ? MainTaskStatus.FAILED : MainTaskStatus.PARTIALLY_COMPLETED;
        }
    }

    @BeforeAll
    static void startThreads() {
        pool = Executors.newFixedThreadPool(MAX_THREADS);
    }

    @AfterAll
    static void stopThreads() {
        pool.shutdownNow();
    }

    @BeforeEach
    void reset() {
        TestDatabase.get().reset();
    }

    @Test
    void lastFileTasksFinishingAtTheSameMomentWriteExactlyOneOperationEvent() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String context = "seed " + seed;
        long prepareStart = System.nanoTime();
        // Every main task: 2 to 4 file tasks, each completing or failing at random; the first
        // ones finished already, the last 2 to all of them left to the race. In a quarter of the
        // rounds nothing was started: the race also moves the main task out of pending.
        List<Round> rounds = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            int size = 2 + random.nextInt(3);
            int together = 2 + random.nextInt(size - 1);
            List<Boolean> completes = new ArrayList<>();
            List<UUID> ids = new ArrayList<>();
            for (int f = 0; f < size; f++) {
                completes.add(random.nextBoolean());
                ids.add(UUID.randomUUID());
            }
            rounds.add(new Round(UUID.randomUUID(), ids, completes, together, i % 4 != 0));
        }
        insertFixtures(rounds);

        long start = System.nanoTime();
        long prepareMillis = (start - prepareStart) / 1_000_000;
        List<List<FileTaskTransition>> results = new ArrayList<>();
        for (Round round : rounds) {
            results.add(race(round));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("%d rounds of 2 to %d concurrent finishes in %d ms, prepared in %d ms (%s)%n",
                ROUNDS, MAX_THREADS, millis, prepareMillis, context);

        Map<UUID, List<Event>> operations = TaskRows.events(dsl).stream()
                .filter(e -> e.type().startsWith("operation."))
                .collect(Collectors.groupingBy(e -> UUID.fromString(e.data().get("mainTaskId").asText())));
        Map<UUID, MainTasksRecord> mains = dsl.fetch(MAIN_TASKS).intoMap(MAIN_TASKS.ID);
        int noEvent = 0;
        int severalEvents = 0;
        for (int i = 0; i < ROUNDS; i++) {
            Round round = rounds.get(i);
            List<Event> events = operations.getOrDefault(round.mainTaskId(), List.of());
            long finishers = results.get(i).stream().filter(FileTaskTransition::finishedMainTask).count();
            if (events.isEmpty()) {
                noEvent++;
                continue;
            }
            if (events.size() > 1 || finishers != 1) {
                severalEvents++;
                continue;
            }
            String where = context + ", main task " + round.mainTaskId() + " " + round;
            Event event = events.get(0);
            MainTaskStatus status = round.expectedStatus();
            TaskCounts counts = round.expectedCounts();
            assertEquals(status == MainTaskStatus.FAILED ? EventTypes.OPERATION_FAILED : EventTypes.OPERATION_COMPLETED,
                    event.type(), where);
            assertEquals(status.sql(), event.data().get("status").asText(), where);
            JsonNode sent = event.data().get("counts");
            assertEquals(counts, new TaskCounts(sent.get("completed").asInt(), sent.get("failed").asInt(),
                    sent.get("total").asInt()), where);
            MainTasksRecord main = mains.get(round.mainTaskId());
            assertEquals(status.sql(), main.getStatus(), where);
            assertEquals(counts, new TaskCounts(main.getCompletedCount(), main.getFailedCount(), main.getTotalCount()),
                    where);
        }

        assertEquals("0 rounds without and 0 with several operation events",
                noEvent + " rounds without and " + severalEvents + " with several operation events",
                "of " + ROUNDS + " (" + context + ")");
        assertEquals(ROUNDS, count(WEBHOOK_OUTBOX.EVENT_TYPE.like("operation.%")));
        int raced = rounds.stream().mapToInt(Round::together).sum();
        assertEquals(raced, count(WEBHOOK_OUTBOX.EVENT_TYPE.like("fileTask.%")));
        // The counters agree with the file tasks of every main task.
        assertEquals(0, dsl.fetchCount(DSL.selectFrom(MAIN_TASKS).where(
                MAIN_TASKS.COMPLETED_COUNT.ne(DSL.selectCount().from(FILE_TASKS)
                                .where(FILE_TASKS.MAIN_TASK_ID.eq(MAIN_TASKS.ID)).and(FILE_TASKS.STATUS.eq("completed")))
                        .or(MAIN_TASKS.FAILED_COUNT.ne(DSL.selectCount().from(FILE_TASKS)
                                .where(FILE_TASKS.MAIN_TASK_ID.eq(MAIN_TASKS.ID)).and(FILE_TASKS.STATUS.eq("failed")))))));
    }

    @Test
    void theSameFileTaskFinishedTwiceAtTheSameMomentFinishesOnce() throws Exception {
        List<CreatedMainTask> prepared = dsl.transactionResult(c -> {
            List<CreatedMainTask> list = new ArrayList<>();
            for (int i = 0; i < SAME_TASK_ROUNDS; i++) {
                list.add(tasks.createMainTask(c.dsl(), ACCOUNT, 1));
            }
            return list;
        });
        long start = System.nanoTime();
        for (CreatedMainTask created : prepared) {
            UUID id = created.fileTaskIds().get(0);
            CyclicBarrier barrier = new CyclicBarrier(2);
            Future<Object> complete = pool.submit(() -> attempt(barrier,
                    tx -> tasks.completeFileTask(tx, ACCOUNT, id, null)));
            Future<Object> fail = pool.submit(() -> attempt(barrier,
                    tx -> tasks.failFileTask(tx, ACCOUNT, id, "cancelled")));
            List<Object> outcomes = List.of(complete.get(30, TimeUnit.SECONDS), fail.get(30, TimeUnit.SECONDS));

            assertEquals(1, outcomes.stream().filter(o -> o instanceof FileTaskTransition).count(), outcomes::toString);
            TaskTransitionException refused = (TaskTransitionException) outcomes.stream()
                    .filter(o -> o instanceof TaskTransitionException).findFirst().orElseThrow();
            assertEquals(TaskTransitionException.Reason.ALREADY_FINISHED, refused.reason());
            assertEquals(1, TaskRows.operationEvents(dsl, created.mainTaskId()).size());
        }
        System.out.printf("%d rounds of 2 concurrent finishes of one file task in %d ms%n",
                SAME_TASK_ROUNDS, (System.nanoTime() - start) / 1_000_000);
        assertEquals(2 * SAME_TASK_ROUNDS, count(DSL.trueCondition()), "one file event and one operation event per main task");
    }

    /**
     * A transaction that fails every unfinished file task of a main task (a cancellation) races a
     * worker completing its last one. Both lock the main task first, so they run one after the
     * other instead of deadlocking (cancel: main task, file 0, 1, 2; worker: file 2, then waiting
     * for the main task, would be a cycle). Checked once: without the {@code FOR UPDATE}, this
     * test failed with PostgreSQL's "deadlock detected".
     */
    @Test
    void cancellingEveryFileTaskInOneTransactionWhileAWorkerFinishesOneNeitherDeadlocksNorDoubles() throws Exception {
        List<CreatedMainTask> prepared = dsl.transactionResult(c -> {
            List<CreatedMainTask> list = new ArrayList<>();
            for (int i = 0; i < SAME_TASK_ROUNDS; i++) {
                CreatedMainTask created = tasks.createMainTask(c.dsl(), ACCOUNT, 3);
                created.fileTaskIds().forEach(id -> tasks.startFileTask(c.dsl(), ACCOUNT, id));
                list.add(created);
            }
            return list;
        });
        long start = System.nanoTime();
        for (CreatedMainTask created : prepared) {
            CyclicBarrier barrier = new CyclicBarrier(2);
            Future<Object> cancel = pool.submit(() -> attempt(barrier, tx -> {
                int failed = 0;
                for (UUID id : created.fileTaskIds()) {
                    try {
                        tasks.failFileTask(tx, ACCOUNT, id, "operation cancelled");
                        failed++;
                    } catch (TaskTransitionException e) {
                        // finished by the worker already: nothing to cancel
                    }
                }
                return failed;
            }));
            Future<Object> worker = pool.submit(() -> attempt(barrier,
                    tx -> tasks.completeFileTask(tx, ACCOUNT, created.fileTaskIds().get(2), null)));
            Object cancelled = cancel.get(30, TimeUnit.SECONDS);
            Object completed = worker.get(30, TimeUnit.SECONDS);

            String outcomes = cancelled + " / " + completed;
            assertTrue(cancelled instanceof Integer, outcomes);
            assertTrue(completed instanceof FileTaskTransition
                    || completed instanceof TaskTransitionException e && e.reason() == TaskTransitionException.Reason.ALREADY_FINISHED,
                    outcomes);
            List<Event> operations = TaskRows.operationEvents(dsl, created.mainTaskId());
            assertEquals(1, operations.size(), outcomes);
            String expected = completed instanceof FileTaskTransition ? "partially_completed" : "failed";
            assertEquals(expected, operations.get(0).data().get("status").asText(), outcomes);
        }
        System.out.printf("%d rounds of a cancellation racing a worker in %d ms%n",
                SAME_TASK_ROUNDS, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Inserts the rounds' rows in the state they have just before the race, in two statements
     * (driving 200 main tasks there through the lifecycle took seconds on a busy machine).
     */
    private void insertFixtures(List<Round> rounds) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        var mains = dsl.insertInto(MAIN_TASKS, MAIN_TASKS.ID, MAIN_TASKS.ACCOUNT_ID, MAIN_TASKS.STATUS,
                MAIN_TASKS.TOTAL_COUNT, MAIN_TASKS.COMPLETED_COUNT, MAIN_TASKS.FAILED_COUNT, MAIN_TASKS.STARTED_AT);
        var files = dsl.insertInto(FILE_TASKS, FILE_TASKS.ID, FILE_TASKS.MAIN_TASK_ID, FILE_TASKS.ACCOUNT_ID,
                FILE_TASKS.POSITION, FILE_TASKS.STATUS, FILE_TASKS.ERROR, FILE_TASKS.STARTED_AT, FILE_TASKS.FINISHED_AT);
        for (Round round : rounds) {
            int done = round.fileTaskIds().size() - round.together();
            int completed = (int) round.completes().subList(0, done).stream().filter(c -> c).count();
            boolean started = round.startedFirst() || done > 0;
            mains = mains.values(round.mainTaskId(), ACCOUNT, started ? "processing" : "pending",
                    round.fileTaskIds().size(), completed, done - completed, started ? now : null);
            for (int f = 0; f < round.fileTaskIds().size(); f++) {
                boolean finished = f < done;
                String status = finished ? (round.completes().get(f) ? "completed" : "failed")
                        : round.startedFirst() ? "processing" : "pending";
                files = files.values(round.fileTaskIds().get(f), round.mainTaskId(), ACCOUNT, f, status,
                        "failed".equals(status) ? "file " + f + " failed" : null,
                        round.startedFirst() ? now : null, finished ? now : null);
            }
        }
        mains.execute();
        files.execute();
    }

    private List<FileTaskTransition> race(Round round) throws Exception {
        List<UUID> last = round.last();
        CyclicBarrier barrier = new CyclicBarrier(last.size());
        List<Future<FileTaskTransition>> futures = new ArrayList<>();
        int first = round.fileTaskIds().size() - last.size();
        for (int i = 0; i < last.size(); i++) {
            int f = first + i;
            // The barrier is inside the transaction: every connection is taken and its transaction
            // open before any of them finishes its file task.
            futures.add(pool.submit(() -> dsl.transactionResult(c -> {
                barrier.await(10, TimeUnit.SECONDS);
                return finish(c.dsl(), round, f);
            })));
        }
        List<FileTaskTransition> results = new ArrayList<>();
        for (Future<FileTaskTransition> future : futures) {
            results.add(future.get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    private FileTaskTransition finish(DSLContext tx, Round round, int f) {
        UUID id = round.fileTaskIds().get(f);
        return round.completes().get(f)
                ? tasks.completeFileTask(tx, ACCOUNT, id, TaskRows.JSON.createObjectNode().put("file", f))
                : tasks.failFileTask(tx, ACCOUNT, id, "file " + f + " failed");
    }

    /** The transition, or the exception it was refused with. */
    private Object attempt(CyclicBarrier barrier, Function<DSLContext, ?> call) {
        try {
            return dsl.transactionResult(c -> {
                barrier.await(10, TimeUnit.SECONDS);
                return (Object) call.apply(c.dsl());
            });
        } catch (TaskTransitionException e) {
            return e;
        }
    }

    private int count(org.jooq.Condition condition) {
        return dsl.fetchCount(WEBHOOK_OUTBOX, condition);
    }
}
