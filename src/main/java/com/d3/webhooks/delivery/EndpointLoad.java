package com.d3.webhooks.delivery;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Requests in flight per endpoint in this worker, each against its endpoint's cap (the
 * endpoint's own max_in_flight, else the worker's --max-in-flight-per-endpoint), and how long
 * each busy endpoint has gone without finishing a request.
 */
final class EndpointLoad {

    /** Requests in flight, and when the endpoint last made progress (became busy, or finished one). */
    private static final class Busy {
        int inFlight;
        long progressNanos;
    }

    private final Map<Long, Busy> busy = new HashMap<>();

    /** Counts one more request to the endpoint, unless it already has {@code cap}. */
    synchronized boolean tryStart(long endpointId, int cap, long nowNanos) {
        Busy b = busy.get(endpointId);
        if (b == null) {
            b = new Busy();
            b.progressNanos = nowNanos;
            busy.put(endpointId, b);
        }
        if (b.inFlight >= cap) {
            return false;
        }
        b.inFlight++;
        return true;
    }

    /** A request to the endpoint finished, whatever its outcome: the endpoint made progress. */
    synchronized void done(long endpointId, long nowNanos) {
        Busy b = busy.get(endpointId);
        if (b != null) {
            b.progressNanos = nowNanos;
            release(endpointId, b);
        }
    }

    /** A request counted by {@link #tryStart} was not sent after all: no progress to note. */
    synchronized void cancel(long endpointId) {
        Busy b = busy.get(endpointId);
        if (b != null) {
            release(endpointId, b);
        }
    }

    private void release(long endpointId, Busy b) {
        // Removing idle entries keeps the map as small as the set of endpoints in flight.
        if (--b.inFlight <= 0) {
            busy.remove(endpointId);
        }
    }

    /**
     * How long the endpoint has had requests in flight without finishing any: near zero for a
     * fast endpoint at its cap, up to the request timeout for one that hangs.
     */
    synchronized Duration stalledFor(long endpointId, long nowNanos) {
        Busy b = busy.get(endpointId);
        return b == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, nowNanos - b.progressNanos));
    }
}
