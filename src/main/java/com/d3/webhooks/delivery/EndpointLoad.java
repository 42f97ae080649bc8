package com.d3.webhooks.delivery;

import java.util.HashMap;
import java.util.Map;

/**
 * Requests in flight per endpoint in this worker, each against its endpoint's cap (the
 * endpoint's own max_in_flight, else the worker's --max-in-flight-per-endpoint).
 */
final class EndpointLoad {

    private final Map<Long, Integer> inFlight = new HashMap<>();

    /** Counts one more request to the endpoint, unless it already has {@code cap}. */
    synchronized boolean tryStart(long endpointId, int cap) {
        int now = inFlight.getOrDefault(endpointId, 0);
        if (now >= cap) {
            return false;
        }
        inFlight.put(endpointId, now + 1);
        return true;
    }

    synchronized void done(long endpointId) {
        // Removing idle entries keeps the map as small as the set of endpoints in flight.
        inFlight.computeIfPresent(endpointId, (id, n) -> n <= 1 ? null : n - 1);
    }
}
