package com.d3.webhooks.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recorder's thread: takes the senders' completions up to {@value #BATCH} at a time, records
 * each batch in one transaction ({@link OutcomeRecorder}) and only then frees their slots. A
 * failed transaction is tried again, the same batch, after a back-off. It runs until the worker
 * has stopped, every sender has finished and every completion is recorded.
 */
final class RecordLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    static final int BATCH = 256;

    private final WorkerConfig config;
    private final OutcomeRecorder outcomes;
    private final Senders senders;
    private final Slots slots;
    private final AtomicBoolean running;
    private final Runnable wakeClaimer;
    private final BlockingQueue<Completion> completions;

    private volatile long lastRecordNanos = System.nanoTime();

    RecordLoop(WorkerConfig config, OutcomeRecorder outcomes, Senders senders, Slots slots, AtomicBoolean running,
               Runnable wakeClaimer) {
        this.config = config;
        this.outcomes = outcomes;
        this.senders = senders;
        this.slots = slots;
        this.running = running;
        this.wakeClaimer = wakeClaimer;
        // Every completion holds a slot, so the queue never needs more room than there are slots.
        this.completions = new ArrayBlockingQueue<>(slots.count());
    }

    /** When a batch of outcomes was last recorded. */
    long lastRecordNanos() {
        return lastRecordNanos;
    }

    /** Queues a sender's completion for the next batch. */
    void enqueue(Completion c) {
        try {
            completions.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            completions.offer(c);
        }
    }

    @Override
    public void run() {
        Backoff backoff = new Backoff();
        List<Completion> batch = new ArrayList<>();
        while (running.get() || !senders.terminated() || !completions.isEmpty() || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    Completion first = completions.poll(50, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    completions.drainTo(batch, BATCH - 1);
                }
                if (outcomes.record(batch)) {
                    // The next deliveries of ordered keys are due now: claim them without waiting out the
                    // claim loop's idle back-off (one busy key would otherwise go at a few per second).
                    wakeClaimer.run();
                }
                slots.release(batch.size());
                lastRecordNanos = System.nanoTime();
                batch.clear();
                backoff.reset();
            } catch (RuntimeException e) {
                log.warn("worker {}: cannot record {} attempt outcomes ({}); trying again in {} ms",
                        config.workerId(), batch.size(), Worker.oneLine(e), backoff.current().toMillis());
                if (!running.get() && senders.terminated() && backoff.atMax()) {
                    log.error("worker {}: giving up on {} outcomes at shutdown; their leases expire and another "
                            + "worker will attempt them again", config.workerId(), batch.size());
                    break;
                }
                try {
                    Thread.sleep(backoff.current().toMillis());
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
                backoff.grow();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }
}
