package com.d3.webhooks.ordering;

import com.d3.webhooks.db.DbTime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.jooq.DSLContext;

/**
 * Ordered delivery: of the deliveries of one ordering key to one ordered endpoint, only the
 * head is ever pending; the others wait in state 'waiting', outside the claim index, so the
 * claim stays one short statement whatever the backlog.
 *
 * <p>Whoever may have changed who the head is (routing a new delivery, a success, an operator's
 * skip) calls {@link #promoteHeads} after its write, in the same transaction, as late as it can
 * (the locks are held to the commit). It first takes a transaction-scoped advisory lock per key,
 * so of two transactions touching one key the second decides only after the first committed,
 * and a waiting delivery is never left behind.
 */
public final class OrderedKeys {

    /** One key's stream to one endpoint. */
    public record Key(long endpointId, String orderingKey) {
    }

    private OrderedKeys() {
    }

    /**
     * One call: the per-key locks, then the promotion (migration V11, webhook_promote_heads).
     * Parameters: the locks' endpoint halves and key-hash halves in {@link #lockOrder}, the keys'
     * endpoint ids and ordering keys, now.
     */
    private static final String PROMOTE_SQL =
            "SELECT webhook_promote_heads(?::int[], ?::int[], ?::bigint[], ?::text[], ?::timestamptz)";

    /**
     * For each key with no delivery pending, in flight or failed (a failed one blocks its key,
     * unless the endpoint's on_exhausted policy is 'skip'), makes its earliest waiting delivery
     * pending and due now. Returns how many it promoted.
     */
    public static int promoteHeads(DSLContext tx, Collection<Key> keys, Instant now) {
        if (keys.isEmpty()) {
            return 0;
        }
        return tx.connectionResult(c -> {
            try (PreparedStatement promote = prepare(c, keys, now); ResultSet rs = promote.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    private static PreparedStatement prepare(Connection c, Collection<Key> keys, Instant now) throws SQLException {
        List<Key> distinct = keys.stream().distinct().toList();
        long[] locks = lockOrder(distinct);
        PreparedStatement ps = c.prepareStatement(PROMOTE_SQL);
        ps.setArray(1, c.createArrayOf("integer", Arrays.stream(locks).mapToObj(l -> (int) (l >> 32))
                .toArray(Integer[]::new)));
        ps.setArray(2, c.createArrayOf("integer", Arrays.stream(locks).mapToObj(l -> (int) l)
                .toArray(Integer[]::new)));
        ps.setArray(3, c.createArrayOf("bigint", distinct.stream().map(Key::endpointId).toArray(Long[]::new)));
        ps.setArray(4, c.createArrayOf("text", distinct.stream().map(Key::orderingKey).toArray(String[]::new)));
        ps.setObject(5, DbTime.utc(now));
        return ps;
    }

    /**
     * The keys' advisory locks, distinct and in ascending order, each packed as (endpoint id in
     * the high 32 bits, the key's String hash in the low 32). Two keys that share a lock only
     * wait for each other; the hash is fixed by the Java language, so every worker agrees.
     */
    static long[] lockOrder(Collection<Key> keys) {
        return keys.stream()
                .mapToLong(k -> ((long) (int) k.endpointId() << 32) | (k.orderingKey().hashCode() & 0xFFFF_FFFFL))
                .distinct().sorted().toArray();
    }
}
