package com.d3.webhooks.delivery;

import com.d3.webhooks.admission.EndpointAdmission;
import com.d3.webhooks.tracing.WorkerTracing;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery worker: wires its parts and runs them. The {@link ClaimLoop} (one thread) routes
 * new events and leases due deliveries while {@link Slots} are free; the {@link Senders} (a
 * bounded pool) make the HTTP calls, outside any transaction; the {@link RecordLoop} (one
 * thread) writes each batch of outcomes through the {@link OutcomeRecorder} in one short
 * transaction and only then frees the slots. There are four slots per sender, so the next claims
 * are ready, and claimed in batches, while outcomes are being recorded.
 *
 * <p>{@link #runOnce()} runs the same parts synchronously for one batch, for tests and tools.
 */
public final class Worker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    /**
     * Deliveries held per sender thread: one being sent, the others claimed, queued behind their
     * endpoint or being recorded. Four rather than two: claims carry more deliveries per statement
     * and senders wait less for the recorder's commit (docs/performance.md has the measurement).
     */
    private static final int SLOTS_PER_SENDER = 4;
    /** A claim loop silent this long (a database call hanging, say) makes the worker not ready. */
    private static final Duration LOOP_STALL = Duration.ofSeconds(60);

    private final WorkerConfig config;
    private final Clock clock;
    private final EventRouter router;
    private final LeaseRescuer rescuer;
    private final Senders senders;
    private final Slots slots;
    private final OutcomeRecorder outcomes;
    private final Waiter waiter = new Waiter();
    private final AtomicBoolean running = new AtomicBoolean();
    private final ClaimLoop claimLoop;
    private final RecordLoop recordLoop;

    private Thread claimer;
    private Thread recorder;

    /** An untraced worker: events' trace contexts are checked and passed on to the receivers, no span is made. */
    public Worker(DSLContext dsl, WorkerConfig config, Clock clock, DeliveryListener listener) {
        this(dsl, config, clock, listener, OpenTelemetry.noop());
    }

    /** A worker whose routing, attempts and recording are spans of {@code openTelemetry}'s tracer. */
    public Worker(DSLContext dsl, WorkerConfig config, Clock clock, DeliveryListener listener,
                  OpenTelemetry openTelemetry) {
        WorkerTracing tracing = new WorkerTracing(openTelemetry, listener::traceContextMalformed);
        this.config = config;
        this.clock = clock;
        this.router = new EventRouter(dsl, config.routeBatchSize(), config.maxPayloadBytes(), tracing);
        this.slots = new Slots(config.concurrency() * SLOTS_PER_SENDER);
        // A probe's answer comes within connect + request timeout; until then no second probe goes.
        EndpointAdmission admission = new EndpointAdmission(dsl,
                config.connectTimeout().plus(config.requestTimeout()).plusSeconds(5));
        this.outcomes = new OutcomeRecorder(dsl, config, clock, listener, tracing);
        this.senders = new Senders(config, clock, admission, listener, outcomes::probing, tracing);
        this.rescuer = new LeaseRescuer(dsl, config, listener);
        this.recordLoop = new RecordLoop(config, outcomes, senders, slots, running, waiter::wake);
        this.claimLoop = new ClaimLoop(config, clock, router, new DeliveryRepository(dsl), rescuer, senders, slots,
                waiter, listener, running, recordLoop::enqueue);
    }

    public WorkerConfig config() {
        return config;
    }

    /** Deliveries claimed and not yet recorded. */
    public int inFlight() {
        return slots.held();
    }

    /**
     * Whether the worker makes progress: the claim loop and the recorder run, the claim loop has
     * come round recently (it wakes at least every poll-max), and while every slot is held, an
     * outcome has been recorded recently (attempts end within their timeouts, so a worker whose
     * slots all stay held is stuck).
     */
    public boolean loopAlive() {
        Thread c = claimer;
        Thread r = recorder;
        long now = System.nanoTime();
        long stall = Math.max(config.pollMax().multipliedBy(4).toNanos(), LOOP_STALL.toNanos());
        return running.get() && c != null && c.isAlive() && r != null && r.isAlive()
                && now - claimLoop.lastPassNanos() < stall
                && (slots.anyFree() || now - recordLoop.lastRecordNanos() < stall);
    }

    // ---------------------------------------------------------------- synchronous, for tests

    /**
     * One pass: rescues expired leases, routes one batch of events, claims one batch of due
     * deliveries, sends them concurrently and records the outcomes. Returns deliveries claimed.
     */
    public int runOnce() {
        Instant now = clock.instant();
        rescuer.rescue(now);
        router.routeBatch(now);
        BlockingQueue<Completion> done = new LinkedBlockingQueue<>();
        int claimed = claimLoop.claim(now, config.batchSize(), done::add);
        List<Completion> batch = new ArrayList<>(claimed);
        try {
            while (batch.size() < claimed) {
                batch.add(done.take());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for sends", e);
        }
        outcomes.record(batch);
        return claimed;
    }

    /** Runs {@link #runOnce()} until a pass claims nothing and no event waits to be routed. */
    public int drainDue() {
        int total = 0;
        int n;
        do {
            n = runOnce();
            total += n;
        } while (n > 0 || router.routeBatch(clock.instant()) > 0);
        return total;
    }

    // ---------------------------------------------------------------- long-running

    public synchronized void start() {
        if (running.get()) {
            return;
        }
        running.set(true);
        recorder = Waiter.named("outbox-recorder").newThread(recordLoop);
        claimer = Waiter.named("outbox-claimer").newThread(claimLoop);
        recorder.start();
        claimer.start();
        log.info("worker {} started: {} senders, batch {}, lease {}s, retry schedule {}", config.workerId(),
                config.concurrency(), config.batchSize(), config.lease().toSeconds(), config.retrySchedule());
    }

    /** Waits until the worker stops by itself (--exit-when-idle) or is stopped. */
    public void awaitStopped() throws InterruptedException {
        Thread c = claimer;
        if (c != null) {
            c.join();
        }
        Thread r = recorder;
        if (r != null) {
            r.join();
        }
    }

    /**
     * Stops claiming, lets requests in flight finish within the shutdown grace, releases the
     * deliveries that did not start, records every outcome, then returns.
     */
    public void stop() throws InterruptedException {
        running.set(false);
        waiter.wake();
        awaitStopped();
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        senders.close();
    }

    /**
     * Ends the claim loop's idle wait now, or makes its next one return at once: something may be
     * due (an ordered key's next delivery, or a NOTIFY from an inserting application).
     */
    public void wake() {
        waiter.wake();
    }

    // ---------------------------------------------------------------- helpers

    static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.replaceAll("\\s+", " ");
    }
}
