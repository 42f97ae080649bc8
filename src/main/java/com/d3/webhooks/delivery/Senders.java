package com.d3.webhooks.delivery;

import com.d3.webhooks.admission.EndpointAdmission;
import com.d3.webhooks.admission.EndpointGate;
import com.d3.webhooks.delivery.Completion.Released;
import com.d3.webhooks.tracing.WorkerTracing;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The senders: a fixed pool of threads that make the HTTP attempts, outside any transaction. A
 * claimed delivery reaches them through this worker's per-endpoint cap ({@link EndpointGate}) and
 * what all workers share about its endpoint ({@link EndpointAdmission}); every delivery handed to
 * {@link #dispatch} ends as exactly one {@link Completion} in the sink it came with, whatever
 * happens to it (sent, held back, given back, or released at shutdown).
 */
final class Senders {

    private static final Logger log = LoggerFactory.getLogger(Senders.class);

    private final WorkerConfig config;
    private final Clock clock;
    private final DeliveryAttempt attempt;
    private final EndpointAdmission admission;
    private final DeliveryListener listener;
    /** Told the ids of deliveries sent as the probe of a half-open breaker. */
    private final Consumer<List<Long>> probes;
    private final EndpointGate<Send> gate = new EndpointGate<>();
    private final ExecutorService pool;

    Senders(WorkerConfig config, Clock clock, EndpointAdmission admission, DeliveryListener listener,
            Consumer<List<Long>> probes, WorkerTracing tracing) {
        this.config = config;
        this.clock = clock;
        this.attempt = new DeliveryAttempt(config, clock, tracing);
        this.admission = admission;
        this.listener = listener;
        this.probes = probes;
        this.pool = Executors.newFixedThreadPool(config.concurrency(), Waiter.named("outbox-sender"));
    }

    boolean terminated() {
        return pool.isTerminated();
    }

    /** Stops the threads at once (after {@link #stop}, or when the worker never started). */
    void close() {
        pool.shutdownNow();
        attempt.close();
    }

    /**
     * Hands claimed deliveries to the senders: each passes this worker's per-endpoint cap (sent,
     * queued in memory behind its endpoint's requests, or given back), then what all workers
     * share about its endpoint. Every delivery yields exactly one completion into {@code sink}.
     */
    void dispatch(List<ClaimedDelivery> claimed, Instant now, Instant leaseEnds, Consumer<Completion> sink) {
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
    void giveBackStalled(Instant now) {
        long nanos = System.nanoTime();
        for (Send s : gate.stalled(nanos)) {
            s.giveBack(now, nanos);
        }
    }

    /** Runs a send counted in flight; one that cannot run any more (stopping) is released unsent. */
    private void start(Send s) {
        try {
            pool.execute(s);
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
     * held back are handed to their sinks as releases: no attempt is made or counted.
     */
    private List<Send> admitShared(List<Send> ready, Instant now) {
        EndpointAdmission.Decision<ClaimedDelivery> decision;
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
        probes.accept(decision.probes());
        if (decision.held().isEmpty()) {
            return ready; // the common case: nothing held back, no lookup to build
        }
        Map<Long, Send> byDelivery = new HashMap<>();
        ready.forEach(s -> byDelivery.put(s.delivery.deliveryId(), s));
        Map<String, Integer> heldBy = new HashMap<>();
        for (EndpointAdmission.Held<ClaimedDelivery> h : decision.held()) {
            Send s = byDelivery.get(h.delivery().deliveryId());
            cancel(s);
            s.sink.accept(new Released(h.delivery(), null, h.dueAt()));
            heldBy.merge(h.reason().tag(), 1, Integer::sum);
        }
        heldBy.forEach((reason, n) -> {
            listener.heldBack(reason, n);
            log.debug("worker {}: {} deliveries held back ({}), due again later without an attempt",
                    config.workerId(), n, reason);
        });
        return decision.admitted().stream().map(d -> byDelivery.get(d.deliveryId())).toList();
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

    /**
     * Lets the requests in flight finish within the shutdown grace, then releases every delivery
     * that did not start (queued behind its endpoint, or waiting for a sender thread).
     */
    void stop() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("worker {}: requests still running after the {} s shutdown grace; interrupting them",
                        config.workerId(), config.shutdownGrace().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Send> notStarted = new ArrayList<>(gate.drainQueued());
        for (Runnable r : pool.shutdownNow()) {
            notStarted.add((Send) r);
        }
        for (Send s : notStarted) {
            s.sink.accept(new Released(s.delivery, null, clock.instant()));
        }
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
