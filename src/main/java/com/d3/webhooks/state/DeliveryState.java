package com.d3.webhooks.state;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of a delivery (webhook_deliveries.state) and the moves between them, written once.
 * docs/architecture.md draws the same machine.
 *
 * <pre>
 * waiting   --promote-->  pending      (the ordered key's earlier deliveries finished)
 * pending   --claim---->  in_flight    (leased to a worker, attempt counted)
 * in_flight --settle--->  succeeded | pending (retry, or released unsent) | failed
 * pending   --pause---->  paused       (its endpoint is disabled; PausedDeliveries)
 * paused    --resume--->  pending      (its endpoint is enabled again)
 * in_flight --release-->  paused       (given back unsent while its endpoint's deliveries are paused)
 * failed    --replay--->  pending;  failed --skip--> skipped (an operator's decisions)
 * succeeded, pending      --replay--> pending (a fresh retry budget)
 * </pre>
 */
public enum DeliveryState {
    WAITING, PENDING, PAUSED, IN_FLIGHT, SUCCEEDED, FAILED, SKIPPED;

    // Computed once: every settlement checks its move, on the recorder's path.
    private final String sql = name().toLowerCase(java.util.Locale.ROOT);
    private static final Map<DeliveryState, Set<DeliveryState>> NEXT = new EnumMap<>(DeliveryState.class);

    static {
        NEXT.put(WAITING, EnumSet.of(PENDING));
        NEXT.put(PENDING, EnumSet.of(IN_FLIGHT, PENDING, PAUSED));
        NEXT.put(PAUSED, EnumSet.of(PENDING));
        NEXT.put(IN_FLIGHT, EnumSet.of(SUCCEEDED, PENDING, PAUSED, FAILED));
        NEXT.put(FAILED, EnumSet.of(PENDING, SKIPPED));
        NEXT.put(SUCCEEDED, EnumSet.of(PENDING));
        NEXT.put(SKIPPED, EnumSet.noneOf(DeliveryState.class));
    }

    /** The value in the state column. */
    public String sql() {
        return sql;
    }

    public static DeliveryState fromSql(String value) {
        for (DeliveryState s : values()) {
            if (s.sql.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown delivery state '" + value + "'");
    }

    /** The states this one may move to. */
    public Set<DeliveryState> next() {
        return Collections.unmodifiableSet(NEXT.get(this));
    }

    /** Whether the delivery is done with, as far as the worker is concerned (an operator may replay it). */
    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == SKIPPED;
    }

    /** Refuses a move the machine does not have: a defect, never an outcome of the outside world. */
    public DeliveryState requireMoveTo(DeliveryState to) {
        if (!NEXT.get(this).contains(to)) {
            throw new IllegalStateException("a delivery cannot move from " + sql() + " to " + to.sql());
        }
        return to;
    }
}
