package com.d3.webhooks.delivery;

import com.d3.webhooks.tracing.WorkerTracing;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery worker. One claimer thread routes new events and leases due deliveries while
 * delivery slots are free; a bounded pool of sender threads makes the HTTP calls, outside any
 * transaction; one recorder thread writes each batch of outcomes (audit rows and fenced state
 * changes) in one short transaction and only then frees the slots. There are four slots per
 * sender, so the next claims are ready, and claimed in batches, while outcomes are being
 * recorded; at most {@code 4 x concurrency} deliveries are held in memory at any backlog.
 *
 * <p>{@link #runOnce()} runs the same steps synchronously for one batch, for tests and tools.
 */
public final class Worker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final int RECORD_BATCH = 256;
    /**
     * Deliveries held per sender thread: one being sent, the others claimed, queued behind their
     * endpoint or being recorded. Four rather than two: claims carry more deliveries per statement
     * and senders wait less for the recorder's commit (docs/performance.md has the measurement).
     */
    private static final int SLOTS_PER_SENDER = 4;
    private static final Duration DB_RETRY_MIN = Duration.ofMillis(500);
    private static final Duration DB_RETRY_MAX = Duration.ofSeconds(30);

    private final DSLContext dsl;
    private final WorkerConfig config;
    private final Clock clock;
    private final DeliveryRepository deliveries;
    private final EventRouter router;
    private final DeliveryListener listener;
    private final Senders senders;
    private final int slotCount;
    private final Semaphore slots;
    private final OutcomeRecorder outcomes;
    private final BlockingQueue<Completion> completions;
    private final Waiter waiter = new Waiter();
    private final LeaseRescuer rescuer;
    private final Duration rescueInterval;

    /** A claim loop silent this long (a database call hanging, say) makes the worker not ready. */
    private static final Duration LOOP_STALL = Duration.ofSeconds(60);

    private volatile boolean running;
    private volatile long lastLoopNanos = System.nanoTime();
    private volatile long lastRecordNanos = System.nanoTime();
    private Thread claimer;
    private Thread recorder;
    private Instant nextRescue = Instant.MIN;

    /** An untraced worker: events' trace contexts are checked and passed on to the receivers, no span is made. */
    public Worker(DSLContext dsl, WorkerConfig config, Clock clock, DeliveryListener listener) {
        this(dsl, config, clock, listener, OpenTelemetry.noop());
    }

    /** A worker whose routing, attempts and recording are spans of {@code openTelemetry}'s tracer. */
    public Worker(DSLContext dsl, WorkerConfig config, Clock clock, DeliveryListener listener,
                  OpenTelemetry openTelemetry) {
        WorkerTracing tracing = new WorkerTracing(openTelemetry, listener::traceContextMalformed);
        this.dsl = dsl;
        this.config = config;
        this.clock = clock;
        this.listener = listener;
        this.deliveries = new DeliveryRepository(dsl);
        this.router = new EventRouter(dsl, config.batchSize(), config.maxPayloadBytes(), tracing);
        this.slotCount = config.concurrency() * SLOTS_PER_SENDER;
        this.slots = new Semaphore(slotCount);
        // A probe's answer comes within connect + request timeout; until then no second probe goes.
        EndpointAdmission admission = new EndpointAdmission(dsl,
                config.connectTimeout().plus(config.requestTimeout()).plusSeconds(5));
        this.outcomes = new OutcomeRecorder(dsl, config, clock, listener, tracing);
        this.senders = new Senders(config, clock, admission, listener, outcomes::probing, tracing);
        this.completions = new ArrayBlockingQueue<>(slotCount);
        Duration halfLease = config.lease().dividedBy(2);
        this.rescuer = new LeaseRescuer(dsl, config, listener);
        this.rescueInterval = halfLease.compareTo(Duration.ofSeconds(10)) < 0 ? halfLease : Duration.ofSeconds(10);
    }

    public WorkerConfig config() {
        return config;
    }

    /** Deliveries claimed and not yet recorded. */
    public int inFlight() {
        return slotCount - slots.availablePermits();
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
        return running && c != null && c.isAlive() && r != null && r.isAlive()
                && now - lastLoopNanos < stall
                && (slots.availablePermits() > 0 || now - lastRecordNanos < stall);
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
        List<ClaimedDelivery> claimed = deliveries.claim(config.workerId(), config.batchSize(), now, config.lease());
        if (!claimed.isEmpty()) {
            listener.claimed(claimed.size());
        }
        BlockingQueue<Completion> done = new LinkedBlockingQueue<>();
        senders.dispatch(claimed, now, now.plus(config.lease()), done::add);
        List<Completion> batch = new ArrayList<>(claimed.size());
        try {
            while (batch.size() < claimed.size()) {
                batch.add(done.take());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for sends", e);
        }
        outcomes.record(batch);
        return claimed.size();
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
        if (running) {
            return;
        }
        running = true;
        recorder = Waiter.named("outbox-recorder").newThread(this::recordLoop);
        claimer = Waiter.named("outbox-claimer").newThread(this::claimLoop);
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
        running = false;
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

    private void claimLoop() {
        Duration idle = config.pollMin();
        Duration dbBackoff = DB_RETRY_MIN;
        int routed = 0;
        long nextRouteNanos = 0;
        while (running) {
            lastLoopNanos = System.nanoTime();
            try {
                Instant now = clock.instant();
                senders.giveBackStalled(now);
                if (!now.isBefore(nextRescue)) {
                    rescuer.rescue(now);
                    nextRescue = now.plus(rescueInterval);
                }
                // Routing costs a transaction even when there is nothing to route: while deliveries
                // keep the senders busy, look for new events only every poll-min.
                if (routed == config.batchSize() || System.nanoTime() >= nextRouteNanos) {
                    routed = router.routeBatch(now);
                    nextRouteNanos = System.nanoTime() + config.pollMin().toNanos();
                }
                int claimed = claimWhileSlotsFree(now);
                dbBackoff = DB_RETRY_MIN;
                if (claimed > 0 || routed > 0) {
                    idle = config.pollMin();
                    continue;
                }
                if (config.exitWhenIdle() && slots.availablePermits() == slotCount && !router.hasUnrouted()
                        && !deliveries.anyDueBy(now.plus(EndpointGate.BUSY_RETRY))) {
                    log.info("worker {}: nothing is due and nothing is in flight; stopping (--exit-when-idle)",
                            config.workerId());
                    break;
                }
                waiter.await(idle);
                idle = min(idle.multipliedBy(2), config.pollMax());
                nextRouteNanos = 0;
            } catch (RuntimeException e) {
                // A database outage (DataAccessException) or anything unforeseen: the loop must
                // survive it, or the process would live on without claiming.
                if (e instanceof DataAccessException) {
                    log.warn("worker {}: database unreachable ({}); claiming again in {} ms", config.workerId(),
                            oneLine(e), dbBackoff.toMillis());
                } else {
                    log.error("worker {}: unexpected error in the claim loop; claiming again in {} ms",
                            config.workerId(), dbBackoff.toMillis(), e);
                }
                try {
                    waiter.await(dbBackoff);
                } catch (InterruptedException stop) {
                    break;
                }
                dbBackoff = min(dbBackoff.multipliedBy(2), DB_RETRY_MAX);
            } catch (InterruptedException e) {
                break;
            }
        }
        running = false;
        senders.stop();
    }

    /**
     * Claims as many deliveries as there are free sender slots, up to a batch. Under load slots
     * free one at a time; waiting up to poll-min for a quarter of them to be free makes each
     * claim statement carry several deliveries instead of one.
     */
    private int claimWhileSlotsFree(Instant now) throws InterruptedException {
        if (!slots.tryAcquire(config.pollMax().toMillis(), TimeUnit.MILLISECONDS)) {
            return 0;
        }
        int want = Math.min(config.batchSize(), Math.max(1, slotCount / 4));
        int held = 1 + drainPermits(config.batchSize() - 1);
        long lingerUntil = System.nanoTime() + config.pollMin().toNanos();
        while (held < want && running) {
            long left = lingerUntil - System.nanoTime();
            if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            held += 1 + drainPermits(config.batchSize() - held - 1);
        }
        List<ClaimedDelivery> claimed;
        try {
            claimed = deliveries.claim(config.workerId(), held, now, config.lease());
        } catch (RuntimeException e) {
            slots.release(held);
            throw e;
        }
        slots.release(held - claimed.size());
        if (!claimed.isEmpty()) {
            listener.claimed(claimed.size());
        }
        // The claim may have waited for free slots: the verdicts are taken as of now.
        senders.dispatch(claimed, clock.instant(), now.plus(config.lease()), this::enqueue);
        return claimed.size();
    }

    private int drainPermits(int max) {
        int got = 0;
        while (got < max && slots.tryAcquire()) {
            got++;
        }
        return got;
    }

    private void enqueue(Completion c) {
        try {
            completions.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            completions.offer(c);
        }
    }

    private void recordLoop() {
        Duration dbBackoff = DB_RETRY_MIN;
        List<Completion> batch = new ArrayList<>();
        while (running || !senders.terminated() || !completions.isEmpty() || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    Completion first = completions.poll(50, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    completions.drainTo(batch, RECORD_BATCH - 1);
                }
                if (outcomes.record(batch)) {
                    // The next deliveries of ordered keys are due now: claim them without waiting out the
                    // claim loop's idle back-off (one busy key would otherwise go at a few per second).
                    wake();
                }
                slots.release(batch.size());
                lastRecordNanos = System.nanoTime();
                batch.clear();
                dbBackoff = DB_RETRY_MIN;
            } catch (RuntimeException e) {
                log.warn("worker {}: cannot record {} attempt outcomes ({}); trying again in {} ms",
                        config.workerId(), batch.size(), oneLine(e), dbBackoff.toMillis());
                if (!running && senders.terminated() && dbBackoff.equals(DB_RETRY_MAX)) {
                    log.error("worker {}: giving up on {} outcomes at shutdown; their leases expire and another "
                            + "worker will attempt them again", config.workerId(), batch.size());
                    break;
                }
                sleepQuietly(dbBackoff);
                dbBackoff = min(dbBackoff.multipliedBy(2), DB_RETRY_MAX);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Ends the claim loop's idle wait now, or makes its next one return at once: something may be
     * due (an ordered key's next delivery, or a NOTIFY from an inserting application).
     */
    public void wake() {
        waiter.wake();
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Duration min(Duration a, Duration b) {
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
