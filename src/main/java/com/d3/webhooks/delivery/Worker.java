package com.d3.webhooks.delivery;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.audit.AuditLog;
import com.d3.webhooks.endpoints.CircuitBreaker;
import com.d3.webhooks.endpoints.EndpointHealth;
import com.d3.webhooks.delivery.Completion.Attempted;
import com.d3.webhooks.delivery.Completion.Released;
import com.d3.webhooks.delivery.DeliveryRepository.LostAttempt;
import com.d3.webhooks.delivery.DeliveryRepository.Settlement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
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
     * Deliveries held per sender thread: one being sent, the others claimed or being recorded.
     * Four rather than two: claims carry more deliveries per statement and senders wait less for
     * the recorder's commit (bench drain/floor 0.46 vs 0.37, worker CPU 0.69 vs 0.81 ms/delivery).
     */
    private static final int SLOTS_PER_SENDER = 4;
    private static final int RESCUE_BATCH = 500;
    private static final Duration DB_RETRY_MIN = Duration.ofMillis(500);
    private static final Duration DB_RETRY_MAX = Duration.ofSeconds(30);

    private final DSLContext dsl;
    private final WorkerConfig config;
    private final Clock clock;
    private final DeliveryRepository deliveries;
    private final EventRouter router;
    private final DeliveryAttempt attempt;
    private final DeliveryListener listener;
    private final ExecutorService senders;
    private final int slotCount;
    private final Semaphore slots;
    private final EndpointGate<Send> gate;
    private final EndpointAdmission admission;
    /** Deliveries sent as the probe of a half-open breaker, until their outcome is recorded. */
    private final Set<Long> probes = ConcurrentHashMap.newKeySet();
    private final BlockingQueue<Completion> completions;
    private final Object wakeup = new Object();
    private final Duration rescueInterval;

    /** A claim loop silent this long (a database call hanging, say) makes the worker not ready. */
    private static final Duration LOOP_STALL = Duration.ofSeconds(60);

    private volatile boolean running;
    private volatile long lastLoopNanos = System.nanoTime();
    private volatile long lastRecordNanos = System.nanoTime();
    private Thread claimer;
    private Thread recorder;
    private Instant nextRescue = Instant.MIN;

    public Worker(DSLContext dsl, WorkerConfig config, Clock clock, DeliveryListener listener) {
        this.dsl = dsl;
        this.config = config;
        this.clock = clock;
        this.listener = listener;
        this.deliveries = new DeliveryRepository(dsl);
        this.router = new EventRouter(dsl, config.batchSize(), config.maxPayloadBytes());
        this.attempt = new DeliveryAttempt(config, clock);
        this.senders = Executors.newFixedThreadPool(config.concurrency(), named("outbox-sender"));
        this.slotCount = config.concurrency() * SLOTS_PER_SENDER;
        this.slots = new Semaphore(slotCount);
        this.gate = new EndpointGate<>();
        // A probe's answer comes within connect + request timeout; until then no second probe goes.
        this.admission = new EndpointAdmission(dsl, config.connectTimeout().plus(config.requestTimeout()).plusSeconds(5));
        this.completions = new ArrayBlockingQueue<>(slotCount);
        Duration halfLease = config.lease().dividedBy(2);
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
        rescueExpired(now);
        router.routeBatch(now);
        List<ClaimedDelivery> claimed = deliveries.claim(config.workerId(), config.batchSize(), now, config.lease());
        if (!claimed.isEmpty()) {
            listener.claimed(claimed.size());
        }
        BlockingQueue<Completion> outcomes = new LinkedBlockingQueue<>();
        dispatch(claimed, now, now.plus(config.lease()), outcomes::add);
        List<Completion> batch = new ArrayList<>(claimed.size());
        try {
            while (batch.size() < claimed.size()) {
                batch.add(outcomes.take());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for sends", e);
        }
        record(batch);
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
        recorder = named("outbox-recorder").newThread(this::recordLoop);
        claimer = named("outbox-claimer").newThread(this::claimLoop);
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
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
        awaitStopped();
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        senders.shutdownNow();
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
                giveBackStalled(now);
                if (!now.isBefore(nextRescue)) {
                    rescueExpired(now);
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
                sleep(idle);
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
                    sleep(dbBackoff);
                } catch (InterruptedException stop) {
                    break;
                }
                dbBackoff = min(dbBackoff.multipliedBy(2), DB_RETRY_MAX);
            } catch (InterruptedException e) {
                break;
            }
        }
        running = false;
        drainSenders();
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
        dispatch(claimed, clock.instant(), now.plus(config.lease()), this::enqueue);
        return claimed.size();
    }

    /**
     * Hands claimed deliveries to the senders: each passes this worker's per-endpoint cap (sent,
     * queued in memory behind its endpoint's requests, or given back), then what all workers
     * share about its endpoint. Every delivery yields exactly one completion into {@code sink}.
     */
    private void dispatch(List<ClaimedDelivery> claimed, Instant now, Instant leaseEnds, Consumer<Completion> sink) {
        long nanos = System.nanoTime();
        List<Send> starting = new ArrayList<>();
        for (ClaimedDelivery d : claimed) {
            Send s = new Send(d, leaseEnds, sink);
            int cap = d.maxInFlight(config.maxInFlightPerEndpoint());
            switch (gate.admit(d.endpointId(), cap, !d.endpointSharedLimits(), s, nanos)) {
                case START -> starting.add(s);
                case QUEUED -> { }
                case BUSY -> s.giveBack(now, nanos);
            }
        }
        for (Send s : admitShared(starting, now)) {
            start(s);
        }
    }

    /** Queued deliveries of endpoints that stopped finishing requests go back to the database. */
    private void giveBackStalled(Instant now) {
        long nanos = System.nanoTime();
        for (Send s : gate.stalled(nanos)) {
            s.giveBack(now, nanos);
        }
    }

    /** Runs a send counted in flight; one that cannot run any more (stopping) is released unsent. */
    private void start(Send s) {
        try {
            senders.execute(s);
        } catch (RejectedExecutionException stopping) {
            Send next = gate.cancel(s.delivery.endpointId());
            s.sink.accept(new Released(s.delivery, null, clock.instant()));
            if (next != null) {
                start(next);
            }
        }
    }

    /** The per-endpoint cap let {@code s} through, but it is not sent after all: the next queued one may go. */
    private void cancel(Send s) {
        Send next = gate.cancel(s.delivery.endpointId());
        if (next != null) {
            start(next);
        }
    }

    /**
     * Applies what all workers share about an endpoint, its circuit breaker and rate limit, to the
     * deliveries this worker's per-endpoint cap let through (one statement for the batch). The ones
     * held back are handed to {@code giveBack} as releases: no attempt is made or counted.
     */
    private List<Send> admitShared(List<Send> ready, Instant now) {
        Map<Long, Send> byDelivery = new HashMap<>();
        ready.forEach(s -> byDelivery.put(s.delivery.deliveryId(), s));
        EndpointAdmission.Decision decision;
        try {
            decision = admission.admit(ready.stream().map(s -> s.delivery).toList(), now);
        } catch (RuntimeException e) {
            // Not sent without the shared verdict: given back (recorded once the database answers).
            for (Send s : ready) {
                cancel(s);
                s.sink.accept(new Released(s.delivery, null, now.plus(EndpointAdmission.RECHECK)));
            }
            throw e;
        }
        probes.addAll(decision.probes());
        Map<String, Integer> heldBy = new HashMap<>();
        for (EndpointAdmission.Held h : decision.held()) {
            Send s = byDelivery.get(h.delivery().deliveryId());
            cancel(s);
            s.sink.accept(new Released(h.delivery(), null, h.dueAt()));
            heldBy.merge(h.reason().tag, 1, Integer::sum);
        }
        heldBy.forEach((reason, n) -> {
            listener.heldBack(reason, n);
            log.debug("worker {}: {} deliveries held back ({}), due again later without an attempt",
                    config.workerId(), n, reason);
        });
        return decision.admitted().stream().map(d -> byDelivery.get(d.deliveryId())).toList();
    }

    private int drainPermits(int max) {
        int got = 0;
        while (got < max && slots.tryAcquire()) {
            got++;
        }
        return got;
    }

    /**
     * A sender task that knows its delivery, its lease and where its outcome goes, so a shutdown
     * or a busy endpoint can release it unsent.
     */
    private final class Send implements Runnable {
        final ClaimedDelivery delivery;
        final Instant leaseEnds;
        final Consumer<Completion> sink;

        Send(ClaimedDelivery delivery, Instant leaseEnds, Consumer<Completion> sink) {
            this.delivery = delivery;
            this.leaseEnds = leaseEnds;
            this.sink = sink;
        }

        /**
         * A delivery that waited for a sender so long that its lease could run out mid-request
         * is given back unsent: another worker might otherwise take it over and send it too.
         * Whatever the attempt throws, its outcome is recorded and its slot comes back.
         */
        @Override
        public void run() {
            Completion outcome;
            try {
                Instant now = clock.instant();
                outcome = now.plus(config.connectTimeout()).plus(config.requestTimeout()).isAfter(leaseEnds)
                        ? new Released(delivery, null, now)
                        : attempt.run(delivery);
            } catch (Throwable t) {
                outcome = unexpected(t);
            } finally {
                Send next = gate.finished(delivery.endpointId(), System.nanoTime());
                if (next != null) {
                    start(next);
                }
            }
            sink.accept(outcome);
        }

        private Completion unexpected(Throwable t) {
            try (DeliveryMdc ids = DeliveryMdc.of(delivery)) {
                log.error("{}: unexpected error during the attempt; it is audited as failed and retried on schedule",
                        delivery, t);
                return attempt.failedUnexpectedly(delivery, t);
            } catch (Throwable again) {
                // Not even the failure could be written down: released, due when its lease would have ended.
                return new Released(delivery, null, leaseEnds);
            }
        }

        /** Back to the database unsent, because its endpoint has its share in flight. */
        void giveBack(Instant now, long nanos) {
            listener.heldBack(EndpointGate.HELD_BACK_REASON, 1);
            sink.accept(new Released(delivery, null,
                    now.plus(gate.busyDelay(delivery.endpointId(), nanos, config.requestTimeout()))));
        }
    }

    private void enqueue(Completion c) {
        try {
            completions.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            completions.offer(c);
        }
    }

    private void drainSenders() {
        senders.shutdown();
        try {
            if (!senders.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("worker {}: requests still running after the {} s shutdown grace; interrupting them",
                        config.workerId(), config.shutdownGrace().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Send> notStarted = new ArrayList<>(gate.drainQueued());
        for (Runnable r : senders.shutdownNow()) {
            notStarted.add((Send) r);
        }
        for (Send s : notStarted) {
            s.sink.accept(new Released(s.delivery, null, clock.instant()));
        }
        try {
            senders.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void recordLoop() {
        Duration dbBackoff = DB_RETRY_MIN;
        List<Completion> batch = new ArrayList<>();
        while (running || !senders.isTerminated() || !completions.isEmpty() || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    Completion first = completions.poll(50, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    completions.drainTo(batch, RECORD_BATCH - 1);
                }
                record(batch);
                slots.release(batch.size());
                lastRecordNanos = System.nanoTime();
                batch.clear();
                dbBackoff = DB_RETRY_MIN;
            } catch (RuntimeException e) {
                log.warn("worker {}: cannot record {} attempt outcomes ({}); trying again in {} ms",
                        config.workerId(), batch.size(), oneLine(e), dbBackoff.toMillis());
                if (!running && senders.isTerminated() && dbBackoff.equals(DB_RETRY_MAX)) {
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

    // ---------------------------------------------------------------- recording outcomes

    /** Audits every attempt and settles every delivery of the batch in one transaction. */
    private void record(List<Completion> batch) {
        Instant now = clock.instant();
        List<Attempted> attempted = new ArrayList<>();
        List<Released> releases = new ArrayList<>();
        for (Completion c : batch) {
            if (c instanceof Attempted a) {
                attempted.add(a);
            } else {
                releases.add((Released) c);
            }
        }
        List<Settlement> settlements = attempted.stream()
                .map(a -> decide(a.delivery(), a.result(), now))
                .toList();
        List<CircuitBreaker.Opened> opened = new ArrayList<>();
        int[] promoted = {0};
        Set<Long> applied = dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            AuditLog.append(tx, attempted.stream().map(Attempted::audit).toList());
            List<DeliveryRepository.Return> returns = new ArrayList<>();
            for (Released r : releases) {
                if (r.note() == null) {
                    returns.add(new DeliveryRepository.Return(r.delivery().deliveryId(), r.delivery().attempt(),
                            r.dueAt()));
                } else {
                    deliveries.release(tx, r.delivery(), config.workerId(), r.dueAt(), r.note(), now);
                }
            }
            deliveries.releaseAll(tx, config.workerId(), returns, now);
            Set<Long> settled = deliveries.settle(tx, config.workerId(), settlements, now);
            Set<Long> healthy = new HashSet<>();
            Set<Long> failing = new HashSet<>();
            for (Attempted a : attempted) {
                (a.result().succeeded() ? healthy : failing).add(a.delivery().endpointId());
                if (a.result().gone()) {
                    EndpointHealth.disableGone(tx, a.delivery().endpointId(), now);
                }
            }
            EndpointHealth.recordOutcomes(tx, healthy, failing, now, config.autoDisableAfter());
            opened.clear();
            opened.addAll(config.breaker().record(tx, breakerOutcomes(attempted), now));
            // Last: the keys stay locked from here to the commit, and the router and other
            // workers wait for them.
            List<OrderedKeys.Key> advanced = new ArrayList<>();
            for (int i = 0; i < attempted.size(); i++) {
                ClaimedDelivery d = attempted.get(i).delivery();
                if (d.orderingKey() != null && settled.contains(d.deliveryId())
                        && finished(settlements.get(i))) {
                    advanced.add(new OrderedKeys.Key(d.endpointId(), d.orderingKey()));
                }
            }
            promoted[0] = OrderedKeys.promoteHeads(tx, advanced, now);
            return settled;
        });
        for (Completion c : batch) {
            probes.remove(c.delivery().deliveryId());
        }
        for (CircuitBreaker.Opened o : opened) {
            listener.breakerOpened(o.endpointId());
            log.warn("endpoint {}: circuit breaker open after {} consecutive failed attempts (opening {} in a row); "
                    + "its deliveries are held back without attempts until {}, then one probe goes",
                    o.endpointId(), o.consecutiveFailures(), o.openings(), o.until());
        }
        if (promoted[0] > 0) {
            // The next deliveries of ordered keys are due now: claim them without waiting out the
            // claim loop's idle back-off (one busy key would otherwise go at a few per second).
            wake();
        }
        for (int i = 0; i < attempted.size(); i++) {
            Settlement s = settlements.get(i);
            String outcome = applied.contains(s.deliveryId()) ? s.state() : "taken over";
            logOutcome(attempted.get(i).delivery(), s, outcome);
            listener.recorded(attempted.get(i).audit(), outcome);
        }
    }

    /** Per endpoint: failures in the batch, whether one succeeded, whether its probe failed. */
    private List<CircuitBreaker.Outcome> breakerOutcomes(List<Attempted> attempted) {
        Map<Long, int[]> byEndpoint = new HashMap<>(); // failures, successes, failed probes
        for (Attempted a : attempted) {
            int[] counts = byEndpoint.computeIfAbsent(a.delivery().endpointId(), k -> new int[3]);
            if (a.result().succeeded()) {
                counts[1]++;
            } else {
                counts[0]++;
                if (probes.contains(a.delivery().deliveryId())) {
                    counts[2]++;
                }
            }
        }
        List<CircuitBreaker.Outcome> out = new ArrayList<>();
        byEndpoint.forEach((id, c) -> out.add(new CircuitBreaker.Outcome(id, c[0], c[1] > 0, c[2] > 0)));
        return out;
    }

    /**
     * Whether a settlement may let the next delivery of an ordered key go: a success always; a
     * failure for good when the endpoint's policy is to skip (promotion checks the policy).
     */
    private static boolean finished(Settlement s) {
        return s.state().equals(DeliveryRepository.SUCCEEDED) || s.state().equals(DeliveryRepository.FAILED);
    }

    /**
     * What an attempt makes of its delivery: succeeded; pending again after the scheduled delay
     * (or the receiver's longer Retry-After, within bounds); or failed when the budget is spent.
     */
    private Settlement decide(ClaimedDelivery d, AttemptResult r, Instant now) {
        Integer status = r.status();
        String error = r.error();
        if (error == null) {
            return new Settlement(d.deliveryId(), d.attempt(), DeliveryRepository.SUCCEEDED, null, status, null);
        }
        Duration delay = config.retrySchedule().delayAfter(d.attemptInBudget());
        Duration retryAfter = r.retryAfter();
        if (delay == null || r.abort()) {
            return new Settlement(d.deliveryId(), d.attempt(), DeliveryRepository.FAILED, null, status, error);
        }
        if (retryAfter != null) {
            Duration asked = min(retryAfter, config.maxRetryAfter());
            delay = asked.compareTo(delay) > 0 ? asked : delay;
        }
        return new Settlement(d.deliveryId(), d.attempt(), DeliveryRepository.PENDING, now.plus(delay), status, error);
    }

    private void logOutcome(ClaimedDelivery d, Settlement s, String outcome) {
        // Successes log at debug: without it, the common case costs no MDC ids nor line.
        if (outcome.equals(DeliveryRepository.SUCCEEDED) && !log.isDebugEnabled()) {
            return;
        }
        try (DeliveryMdc ids = DeliveryMdc.of(d)) {
            logOutcomeLine(d, s, outcome);
        }
    }

    private void logOutcomeLine(ClaimedDelivery d, Settlement s, String outcome) {
        switch (outcome) {
            case DeliveryRepository.SUCCEEDED -> log.debug("{} succeeded (HTTP {})", d, s.status());
            case DeliveryRepository.PENDING -> log.info("{} failed ({}); retry {} of {} at {}", d, s.error(),
                    d.attemptInBudget() + 1, config.retrySchedule().maxAttempts(), s.nextAttemptAt());
            case DeliveryRepository.FAILED -> log.warn("{} failed ({}); that was attempt {} of {}: the delivery is "
                            + "failed until an operator replays it", d, s.error(), d.attemptInBudget(),
                    config.retrySchedule().maxAttempts());
            default -> log.info("{}: outcome audited but not applied: the lease was lost and another worker took "
                    + "the delivery over", d);
        }
    }

    /**
     * Deliveries whose worker died (or stalled past its lease): the lost attempt is audited as
     * failed, then the delivery is due at once, or failed if that was its last attempt.
     */
    private void rescueExpired(Instant now) {
        List<LostAttempt> rescued = dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            List<LostAttempt> lost = deliveries.lockExpired(tx, RESCUE_BATCH, now);
            List<AuditEntry> entries = new ArrayList<>();
            Map<String, List<Settlement>> byLostOwner = new HashMap<>();
            for (LostAttempt l : lost) {
                entries.add(attempt.lostAttemptEntry(l, config.workerId(), now));
                ClaimedDelivery d = l.delivery();
                String error = DeliveryAttempt.lostAttemptError(l);
                Settlement s = d.attemptInBudget() >= config.retrySchedule().maxAttempts()
                        ? new Settlement(d.deliveryId(), d.attempt(), DeliveryRepository.FAILED, null, null, error)
                        : new Settlement(d.deliveryId(), d.attempt(), DeliveryRepository.PENDING, now, null, error);
                byLostOwner.computeIfAbsent(l.lostBy(), k -> new ArrayList<>()).add(s);
            }
            // This transaction holds every row's lock, so fencing on the lost owner cannot miss.
            byLostOwner.forEach((owner, settlements) -> deliveries.settle(tx, owner, settlements, now));
            AuditLog.append(tx, entries);
            // A lost last attempt fails its delivery for good: an ordered key may move on (skip policy).
            OrderedKeys.promoteHeads(tx, lost.stream()
                    .filter(l -> l.delivery().orderingKey() != null
                            && l.delivery().attemptInBudget() >= config.retrySchedule().maxAttempts())
                    .map(l -> new OrderedKeys.Key(l.delivery().endpointId(), l.delivery().orderingKey()))
                    .toList(), now);
            return lost;
        });
        if (!rescued.isEmpty()) {
            listener.rescued(rescued.size());
            for (LostAttempt l : rescued) {
                try (DeliveryMdc ids = DeliveryMdc.of(l.delivery())) {
                    log.info("{}: the lease of {} ran out at {} before it reported the attempt; the attempt is "
                            + "audited as lost and the delivery is {}", l.delivery(), l.lostBy(), l.leaseExpiredAt(),
                            l.delivery().attemptInBudget() >= config.retrySchedule().maxAttempts()
                                    ? "failed (that was its last attempt)" : "due again now");
                }
            }
            log.warn("lease expired for {} deliveries held by {}; they are due again", rescued.size(),
                    rescued.stream().map(LostAttempt::lostBy).distinct().toList());
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Ends the claim loop's idle wait now, or makes its next one return at once: something may be
     * due (an ordered key's next delivery, or a NOTIFY from an inserting application).
     */
    public void wake() {
        synchronized (wakeup) {
            wokenSinceSleep = true;
            wakeup.notifyAll();
        }
    }

    private void sleep(Duration d) throws InterruptedException {
        synchronized (wakeup) {
            if (running && !wokenSinceSleep) {
                wakeup.wait(Math.max(1, d.toMillis()));
            }
            wokenSinceSleep = false;
        }
    }

    /** Set by {@link #wake()}; guarded by {@link #wakeup}. */
    private boolean wokenSinceSleep;

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

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(false);
            return t;
        };
    }
}
