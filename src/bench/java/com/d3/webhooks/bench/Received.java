package com.d3.webhooks.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What the receiver recorded, one {@link Request} per request in arrival order, and the counts
 * the report needs. A duplicate is a delivery id answered 2xx more than once (a retry after a
 * 500 is not one); lost is measured against the deliveries the scenario expected.
 */
final class Received {

    record Request(UUID eventId, long deliveryId, int attempt, int status, long receivedMicros, int bodyBytes) {
        boolean succeeded() {
            return status >= 200 && status < 300;
        }
    }

    private final List<Request> requests;

    private Received(List<Request> requests) {
        this.requests = requests;
    }

    static Received parse(String dump) {
        List<Request> list = new ArrayList<>();
        for (String line : dump.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            list.add(new Request(UUID.fromString(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), Long.parseLong(f[4]), Integer.parseInt(f[5])));
        }
        return new Received(list);
    }

    int requests() {
        return requests.size();
    }

    long successes() {
        return requests.stream().filter(Request::succeeded).count();
    }

    long failuresAnswered() {
        return requests.stream().filter(r -> !r.succeeded()).count();
    }

    long distinctSucceededDeliveries() {
        Set<Long> ids = new HashSet<>();
        for (Request r : requests) {
            if (r.succeeded()) {
                ids.add(r.deliveryId());
            }
        }
        return ids.size();
    }

    /** 2xx answers beyond the first per delivery id. */
    long duplicates() {
        return successes() - distinctSucceededDeliveries();
    }

    /** Receive times of the 2xx answers, ascending, in epoch microseconds. */
    long[] successTimes() {
        return requests.stream().filter(Request::succeeded).mapToLong(Request::receivedMicros).sorted().toArray();
    }

    /** {@link #successTimes()} without the given deliveries' (e.g. those to one endpoint). */
    long[] successTimesExcept(Set<Long> deliveryIds) {
        return requests.stream().filter(r -> r.succeeded() && !deliveryIds.contains(r.deliveryId()))
                .mapToLong(Request::receivedMicros).sorted().toArray();
    }

    /** The first 2xx receive time of each event id. */
    Map<UUID, Long> firstSuccessByEvent() {
        Map<UUID, Long> m = new HashMap<>();
        for (Request r : requests) {
            if (r.succeeded()) {
                m.merge(r.eventId(), r.receivedMicros(), Math::min);
            }
        }
        return m;
    }

    /** The first 2xx receive time of each delivery id. */
    Map<Long, Long> firstSuccessByDelivery() {
        Map<Long, Long> m = new HashMap<>();
        for (Request r : requests) {
            if (r.succeeded()) {
                m.merge(r.deliveryId(), r.receivedMicros(), Math::min);
            }
        }
        return m;
    }

    double meanBodyBytes() {
        return requests.stream().mapToInt(Request::bodyBytes).average().orElse(Double.NaN);
    }

    /**
     * Deliveries per second between the first and the n-th 2xx answer (all of them when n is
     * larger): (n - 1) intervals over that span. JVM start and routing before the first answer
     * are not in it.
     */
    static double ratePerSecond(long[] times, int n) {
        int k = Math.min(n, times.length);
        if (k < 2) {
            return Double.NaN;
        }
        long span = times[k - 1] - times[0];
        return span <= 0 ? Double.NaN : (k - 1) * 1e6 / span;
    }

    /** How many of the sorted times fall in [from, to]. */
    static int countBetween(long[] sortedTimes, long from, long to) {
        int a = lowerBound(sortedTimes, from);
        int b = lowerBound(sortedTimes, to + 1);
        return b - a;
    }

    private static int lowerBound(long[] a, long key) {
        int i = Arrays.binarySearch(a, key);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && a[i - 1] == key) {
            i--;
        }
        return i;
    }
}
