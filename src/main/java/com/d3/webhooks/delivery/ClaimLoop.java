package com.d3.webhooks.delivery;

import com.d3.webhooks.admission.EndpointGate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim loop, on the worker's one claimer thread (River's producer, db-scheduler's poll
 * strategy): while the worker runs, it gives back the queues of stalled endpoints, rescues
 * expired leases every rescue interval, routes new events, and claims due deliveries for the free
 * {@link Slots}, handing them to the {@link Senders}. With nothing to do it waits, poll-min
 * doubling up to poll-max, or until {@link Waiter#wake}; a database outage backs off.
 */
final class ClaimLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final WorkerConfig config;
    private final Clock clock;
    private final EventRouter router;
    private final DeliveryRepository deliveries;
    private final LeaseRescuer rescuer;
    private final Senders senders;
    private final Slots slots;
    private final Waiter waiter;
    private final DeliveryListener listener;
    private final AtomicBoolean running;
    private final Consumer<Completion> recorder;
    private final Duration rescueInterval;

    private volatile long lastPassNanos = System.nanoTime();
    private Instant nextRescue = Instant.MIN;

    ClaimLoop(WorkerConfig config, Clock clock, EventRouter router, DeliveryRepository deliveries,
              LeaseRescuer rescuer, Senders senders, Slots slots, Waiter waiter, DeliveryListener listener,
              AtomicBoolean running, Consumer<Completion> recorder) {
        this.config = config;
        this.clock = clock;
        this.router = router;
        this.deliveries = deliveries;
        this.rescuer = rescuer;
        this.senders = senders;
        this.slots = slots;
        this.waiter = waiter;
        this.listener = listener;
        this.running = running;
        this.recorder = recorder;
        Duration halfLease = config.lease().dividedBy(2);
        this.rescueInterval = halfLease.compareTo(Duration.ofSeconds(10)) < 0 ? halfLease : Duration.ofSeconds(10);
    }

    /** When the loop last came round (it does at least every poll-max while it runs). */
    long lastPassNanos() {
        return lastPassNanos;
    }

    /**
     * Leases up to {@code limit} due deliveries and hands them to the senders, whose completions
     * go to {@code sink}. Returns how many it claimed. The claim step of the loop and of
     * {@link Worker#runOnce}.
     */
    int claim(Instant now, int limit, Consumer<Completion> sink) {
        List<ClaimedDelivery> claimed = deliveries.claim(config.workerId(), limit, now, config.lease());
        hand(claimed, now, sink);
        return claimed.size();
    }

    private void hand(List<ClaimedDelivery> claimed, Instant now, Consumer<Completion> sink) {
        listener.claimed(claimed.size());
        // The claim may have waited for free slots: the verdicts are taken as of now.
        senders.dispatch(claimed, clock.instant(), now.plus(config.lease()), sink);
    }

    @Override
    public void run() {
        Duration idle = config.pollMin();
        Backoff backoff = new Backoff();
        int routed = 0;
        long nextRouteNanos = 0;
        while (running.get()) {
            lastPassNanos = System.nanoTime();
            try {
                Instant now = clock.instant();
                senders.giveBackStalled(now);
                if (!now.isBefore(nextRescue)) {
                    rescuer.rescue(now);
                    nextRescue = now.plus(rescueInterval);
                }
                // Routing costs a transaction even when there is nothing to route: while deliveries
                // keep the senders busy, look for new events only every poll-min.
                boolean routing = routed == config.routeBatchSize() || System.nanoTime() >= nextRouteNanos;
                if (routing) {
                    routed = router.routeBatch(now);
                    nextRouteNanos = System.nanoTime() + config.pollMin().toNanos();
                }
                int claimed = claimForFreeSlots(now);
                backoff.reset();
                // Only this pass's routing counts as work: what an earlier pass routed was claimed
                // then, and counting it again would claim in a tight loop until the next routing.
                if (claimed > 0 || (routing && routed > 0)) {
                    idle = config.pollMin();
                    continue;
                }
                if (config.exitWhenIdle() && slots.allFree() && !router.hasUnrouted()
                        && !deliveries.anyDueBy(now.plus(EndpointGate.BUSY_RETRY))) {
                    log.info("worker {}: nothing is due and nothing is in flight; stopping (--exit-when-idle)",
                            config.workerId());
                    break;
                }
                waiter.await(idle);
                idle = Worker.min(idle.multipliedBy(2), config.pollMax());
                nextRouteNanos = 0;
            } catch (RuntimeException e) {
                // A database outage (DataAccessException) or anything unforeseen: the loop must
                // survive it, or the process would live on without claiming.
                if (e instanceof DataAccessException) {
                    log.warn("worker {}: database unreachable ({}); claiming again in {} ms", config.workerId(),
                            Worker.oneLine(e), backoff.current().toMillis());
                } else {
                    log.error("worker {}: unexpected error in the claim loop; claiming again in {} ms",
                            config.workerId(), backoff.current().toMillis(), e);
                }
                try {
                    waiter.await(backoff.current());
                } catch (InterruptedException stop) {
                    break;
                }
                backoff.grow();
            } catch (InterruptedException e) {
                break;
            }
        }
        running.set(false);
        senders.stop();
    }

    /**
     * Claims as many deliveries as there are free slots, up to a batch, waiting up to poll-min
     * for a quarter of the slots to be free.
     */
    private int claimForFreeSlots(Instant now) throws InterruptedException {
        int held = slots.takeForClaim(config.batchSize(), Math.min(config.batchSize(), Math.max(1, slots.count() / 4)),
                config.pollMax(), config.pollMin(), running::get);
        if (held == 0) {
            return 0;
        }
        List<ClaimedDelivery> claimed;
        try {
            claimed = deliveries.claim(config.workerId(), held, now, config.lease());
        } catch (RuntimeException e) {
            slots.release(held);
            throw e;
        }
        slots.release(held - claimed.size());
        hand(claimed, now, recorder);
        return claimed.size();
    }
}
