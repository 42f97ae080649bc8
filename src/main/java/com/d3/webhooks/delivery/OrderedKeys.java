package com.d3.webhooks.delivery;

import com.d3.webhooks.db.DbTime;
import static org.jooq.impl.DSL.val;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Query;

/**
 * Ordered delivery: of the deliveries of one ordering key to one ordered endpoint, only the
 * head is ever pending; the others wait in state 'waiting', outside the claim index, so the
 * claim stays one short statement whatever the backlog.
 *
 * <p>Whoever may have changed who the head is (routing a new delivery, a success, an operator's
 * skip) calls {@link #promoteHeads} after its write, in the same transaction. It first takes a
 * transaction-scoped advisory lock per key, so of two transactions touching one key the second
 * decides only after the first committed, and a waiting delivery is never left behind.
 */
public final class OrderedKeys {

    /** One key's stream to one endpoint. */
    public record Key(long endpointId, String orderingKey) {
    }

    private static final Comparator<Key> LOCK_ORDER =
            Comparator.comparingLong(Key::endpointId).thenComparing(Key::orderingKey);

    private OrderedKeys() {
    }

    /**
     * For each key with no delivery pending, in flight or failed (a failed one blocks its key,
     * unless the endpoint's on_exhausted policy is 'skip'), makes its earliest waiting delivery
     * pending and due now. Returns how many it promoted.
     */
    public static int promoteHeads(DSLContext tx, Collection<Key> keys, Instant now) {
        if (keys.isEmpty()) {
            return 0;
        }
        List<Key> sorted = keys.stream().distinct().sorted(LOCK_ORDER).toList();
        Long[] endpoints = sorted.stream().map(Key::endpointId).toArray(Long[]::new);
        String[] names = sorted.stream().map(Key::orderingKey).toArray(String[]::new);
        // Locked in one global order, so two transactions never wait for each other in a cycle.
        tx.resultQuery("""
                SELECT pg_advisory_xact_lock(k.endpoint_id::int, hashtext(k.ordering_key))
                  FROM unnest({0}, {1}) AS k(endpoint_id, ordering_key)""", val(endpoints), val(names))
                .fetch();
        return promotion(tx, sorted, now).execute();
    }

    /**
     * The promotion statement of {@link #promoteHeads}, unexecuted and without the advisory locks
     * that must come first: bin/bench renders it to EXPLAIN it.
     */
    public static Query promotion(DSLContext tx, Collection<Key> keys, Instant now) {
        List<Key> sorted = keys.stream().distinct().sorted(LOCK_ORDER).toList();
        Long[] endpoints = sorted.stream().map(Key::endpointId).toArray(Long[]::new);
        String[] names = sorted.stream().map(Key::orderingKey).toArray(String[]::new);
        // Per key: its earliest waiting delivery, unless an earlier one of the key is pending, in
        // flight, or failed on an endpoint whose policy is to block. Only the index entries before
        // that delivery are read, so the cost does not grow with the key's backlog. (Nothing later
        // than a waiting delivery is ever pending: routing adds deliveries as waiting, and only an
        // earlier one's success, skip or failure lets a later one go.) The check is a scalar
        // subquery so that it stays one index probe per key: as NOT EXISTS the planner may turn it
        // into a hash anti join over every unfinished delivery.
        return tx.query("""
                UPDATE webhook_deliveries d
                   SET state = 'pending', next_attempt_at = {2}, updated_at = {2}
                  FROM unnest({0}, {1}) AS k(endpoint_id, ordering_key)
                  JOIN webhook_endpoints e ON e.id = k.endpoint_id
                  CROSS JOIN LATERAL (
                        SELECT w.id,
                               (SELECT a.id FROM webhook_deliveries a
                                 WHERE a.endpoint_id = w.endpoint_id AND a.ordering_key = w.ordering_key
                                   AND a.outbox_id < w.outbox_id
                                   AND a.state IN ('pending', 'in_flight', 'failed')
                                   AND (a.state <> 'failed' OR e.on_exhausted = 'block')
                                 LIMIT 1) AS blocked_by
                          FROM webhook_deliveries w
                         WHERE w.endpoint_id = k.endpoint_id AND w.ordering_key = k.ordering_key
                           AND w.state = 'waiting'
                         ORDER BY w.outbox_id
                         LIMIT 1) AS head
                 WHERE d.id = head.id AND d.state = 'waiting' AND head.blocked_by IS NULL""",
                val(endpoints), val(names), val(DbTime.utc(now)));
    }
}
