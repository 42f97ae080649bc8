package com.d3.webhooks.admission;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This worker's per-endpoint cap: at most {@code cap} requests in flight to an endpoint (its own
 * max_in_flight, else --max-in-flight-per-endpoint), so a slow or hanging endpoint occupies at
 * most that share of the senders.
 *
 * <p>A claimed delivery whose endpoint is at its cap waits here, in the endpoint's queue, while
 * the endpoint keeps up: it starts the moment one of the endpoint's requests finishes, with no
 * database round trip. An endpoint keeps up when the queue drains within {@link #BUSY_RETRY} at
 * the pace its requests have been finishing. Otherwise, or once the endpoint has finished nothing
 * for that long, the delivery is given back to the database, due a second later or more: a slow
 * endpoint's backlog must not hold the slots that healthy endpoints' deliveries need.
 *
 * @param <T> what is queued: a sender task that knows its delivery
 */
public final class EndpointGate<T> {

    /**
     * How soon a delivery refused for a busy endpoint is due again, at the least; and so the
     * longest a claimed delivery waits in memory for its endpoint: given back, it could not start
     * sooner than that.
     */
    public static final Duration BUSY_RETRY = Duration.ofSeconds(1);
    private static final long QUEUE_WAIT_NANOS = BUSY_RETRY.toNanos();
    /** The reason deliveries refused here are counted under. */
    public static final String HELD_BACK_REASON = "endpoint_busy";
    /** Weight of the newest interval in the moving average of an endpoint's finishing pace. */
    private static final double PACE_WEIGHT = 0.2;

    /** What the gate makes of a claimed delivery. */
    public enum Admission {
        /** Counted in flight: send it now. */
        START,
        /** Queued behind the endpoint's requests in flight: it starts when one of them finishes. */
        QUEUED,
        /** Not admitted: give it back to the database, due after {@link #busyDelay}. */
        BUSY
    }

    private static final class Endpoint<T> {
        int inFlight;
        /** When the endpoint last made progress: became busy, or finished a request. */
        long progressNanos;
        /** When a request last finished; 0 before the first. */
        long finishedNanos;
        /** Moving average of the time between two finished requests; 0 until one interval is known. */
        double paceNanos;
        final ArrayDeque<T> queue = new ArrayDeque<>();
    }

    private final Map<Long, Endpoint<T>> endpoints = new HashMap<>();

    /**
     * Starts, queues or refuses one delivery to the endpoint. {@code mayQueue} is false for an
     * endpoint whose rate limit or breaker decides per batch: a queued delivery would start
     * without that verdict.
     */
    public synchronized Admission admit(long endpointId, int cap, boolean mayQueue, T item, long nowNanos) {
        Endpoint<T> e = endpoints.get(endpointId);
        if (e == null) {
            e = new Endpoint<>();
            e.progressNanos = nowNanos;
            endpoints.put(endpointId, e);
        }
        if (e.inFlight < cap && e.queue.isEmpty()) {
            e.inFlight++;
            return Admission.START;
        }
        if (mayQueue && keepsUp(e, nowNanos)) {
            e.queue.addLast(item);
            return Admission.QUEUED;
        }
        return Admission.BUSY;
    }

    /**
     * Whether one more delivery queued behind the endpoint would start within {@link #BUSY_RETRY}:
     * the endpoint finished a request within that time, and the queue drains within it at the
     * endpoint's pace. Before its pace is known, the endpoint is given the benefit of the doubt:
     * {@link #overdue} bounds what that costs if it turns out to hang.
     */
    private boolean keepsUp(Endpoint<T> e, long nowNanos) {
        if (nowNanos - e.progressNanos > QUEUE_WAIT_NANOS) {
            return false;
        }
        return e.paceNanos == 0 || (e.queue.size() + 1) * e.paceNanos <= QUEUE_WAIT_NANOS;
    }

    /**
     * A request to the endpoint finished, whatever its outcome. Returns the queued delivery that
     * takes its slot (already counted in flight), or null.
     */
    public synchronized T finished(long endpointId, long nowNanos) {
        Endpoint<T> e = endpoints.get(endpointId);
        if (e == null) {
            return null;
        }
        if (e.finishedNanos != 0) {
            long interval = nowNanos - e.finishedNanos;
            e.paceNanos = e.paceNanos == 0 ? interval : e.paceNanos + PACE_WEIGHT * (interval - e.paceNanos);
        }
        e.finishedNanos = nowNanos;
        e.progressNanos = nowNanos;
        return handOver(endpointId, e);
    }

    /**
     * A delivery counted by {@link #admit} was not sent after all: no progress to note. Returns
     * the queued delivery that takes its slot (already counted in flight), or null.
     */
    public synchronized T cancel(long endpointId) {
        Endpoint<T> e = endpoints.get(endpointId);
        return e == null ? null : handOver(endpointId, e);
    }

    /** A slot of the endpoint is free: the first queued delivery takes it, else the count drops. */
    private T handOver(long endpointId, Endpoint<T> e) {
        T next = e.queue.pollFirst();
        if (next != null) {
            return next;
        }
        e.inFlight--;
        forgetIfIdle(endpointId, e);
        return null;
    }

    /**
     * Removes and returns the queued deliveries of endpoints that have finished nothing for longer
     * than {@link #BUSY_RETRY}: they hang, or are slower than the pace they were queued at.
     */
    public synchronized List<T> stalled(long nowNanos) {
        List<T> out = new ArrayList<>();
        for (Endpoint<T> e : endpoints.values()) {
            if (nowNanos - e.progressNanos > QUEUE_WAIT_NANOS) {
                e.queue.forEach(out::add);
                e.queue.clear();
            }
        }
        return out;
    }

    /** Removes and returns every queued delivery (the worker is stopping). */
    public synchronized List<T> drainQueued() {
        List<T> out = new ArrayList<>();
        for (Endpoint<T> e : endpoints.values()) {
            out.addAll(e.queue);
            e.queue.clear();
        }
        return out;
    }

    /**
     * How long a delivery the gate refused should wait before it is due again: a second, or for
     * an endpoint that has finished nothing for longer, as long again (at most {@code max}), so a
     * hanging endpoint's backlog is not claimed and given back every second.
     */
    public synchronized Duration busyDelay(long endpointId, long nowNanos, Duration max) {
        Endpoint<T> e = endpoints.get(endpointId);
        Duration stalled = e == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, nowNanos - e.progressNanos));
        if (stalled.compareTo(BUSY_RETRY) < 0) {
            return BUSY_RETRY;
        }
        return stalled.compareTo(max) < 0 ? stalled : max;
    }

    private void forgetIfIdle(long endpointId, Endpoint<T> e) {
        // Idle entries go: the map stays as small as the set of endpoints in flight.
        if (e.inFlight <= 0 && e.queue.isEmpty()) {
            endpoints.remove(endpointId);
        }
    }
}
