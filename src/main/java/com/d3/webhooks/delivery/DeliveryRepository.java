package com.d3.webhooks.delivery;

import com.d3.webhooks.endpoints.PausedDeliveries;
import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.SigningMode;
import com.d3.webhooks.oauth.ClientCredentials;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.postgresql.PGStatement;

/**
 * The delivery state machine's statements, one method each. Every write after the claim is
 * fenced on (state = in_flight, locked_by, attempts): if another worker took the delivery over
 * after a lease expiry, the write matches no row and the caller logs it.
 */
public final class DeliveryRepository {


    private static final com.d3.webhooks.db.schema.tables.WebhookDeliveries D = WEBHOOK_DELIVERIES;
    private static final com.d3.webhooks.db.schema.tables.WebhookEndpoints E = WEBHOOK_ENDPOINTS;

    /**
     * What a claim reads: the delivery (d), its event (o) and its endpoint (e), with the endpoint's
     * static headers as "name:value" (a name is an HTTP token, so it has no colon) and its OAuth2
     * client credentials as an array (token URL, client id, client secret, scope, audience), null
     * when it has none. The worker's hot
     * statements are plain SQL run with JDBC: rendering them with jOOQ and mapping jOOQ records
     * took a third of the worker's CPU (JFR). Every one runs in the tests against a migrated database.
     */
    static final String CLAIM_COLUMNS = """
            d.id AS delivery_id, d.outbox_id, d.ordering_key, d.attempts, d.retry_base, d.event_id, d.event_type,
            d.account_id, o.occurred_at, o.payload::text AS payload, e.id AS endpoint_id, e.url, e.secret,
            e.previous_secret, e.previous_secret_expires_at, e.enabled, e.max_in_flight,
            (e.rate_limit_per_second IS NOT NULL OR e.breaker_open_until IS NOT NULL) AS shared_limits,
            ARRAY(SELECT h.name || ':' || h.value FROM webhook_endpoint_headers h
                   WHERE h.endpoint_id = e.id ORDER BY h.id) AS headers,
            e.client_certificate, e.client_key,
            e.signing, e.signing_key, e.signing_public_key, e.previous_signing_key, e.previous_signing_public_key,
            e.previous_signing_key_expires_at,
            (SELECT ARRAY[a.token_url, a.client_id, a.client_secret, a.scope, a.audience]
               FROM webhook_endpoint_oauth2 a WHERE a.endpoint_id = e.id) AS oauth2,
            o.traceparent, o.tracestate""";

    private final DSLContext dsl;

    public DeliveryRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Leases up to {@code limit} due deliveries to the worker in one statement: the CTE locks
     * due rows in the claim index's order, skipping rows other workers hold (a locking CTE is
     * not inlined, so the LIMIT runs once); the UPDATE counts the attempt and sets the lease.
     * Its parameters in order: now, limit, worker id, lease end, now. Public so that plans are
     * taken of the very text {@link #claim} sends.
     */
    public static final String CLAIM_SQL = """
            WITH due AS (
                SELECT id FROM webhook_deliveries
                 WHERE state = 'pending' AND next_attempt_at <= ?
                 ORDER BY next_attempt_at, id
                 LIMIT ?
                   FOR UPDATE SKIP LOCKED)
            UPDATE webhook_deliveries d
               SET state = 'in_flight', locked_by = ?, locked_until = ?, attempts = d.attempts + 1, updated_at = ?
              FROM due, webhook_outbox o, webhook_endpoints e
             WHERE d.id = due.id AND o.id = d.outbox_id AND e.id = d.endpoint_id
            RETURNING\s""" + CLAIM_COLUMNS;

    public List<ClaimedDelivery> claim(String workerId, int limit, Instant now, java.time.Duration lease) {
        OffsetDateTime at = DbTime.utc(now);
        return dsl.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(CLAIM_SQL)) {
                ps.setObject(1, at);
                ps.setInt(2, limit);
                ps.setString(3, workerId);
                ps.setObject(4, DbTime.utc(now.plus(lease)));
                ps.setObject(5, at);
                List<ClaimedDelivery> claimed = new ArrayList<>(limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(readClaim(rs));
                    }
                }
                return claimed;
            }
        });
    }

    /**
     * Whether a delivery is pending and due by {@code at}: --exit-when-idle waits for those, so
     * deliveries given back a moment ago for a busy endpoint are not left behind.
     */
    public boolean anyDueBy(Instant at) {
        return dsl.fetchExists(D, D.STATE.eq(DeliveryState.PENDING.sql()).and(D.NEXT_ATTEMPT_AT.le(DbTime.utc(at))));
    }

    /**
     * The new state of one attempted delivery: succeeded, pending again at {@code nextAttemptAt},
     * or failed for good.
     */
    public record Settlement(long deliveryId, int attempt, DeliveryState state, Instant nextAttemptAt, Integer status,
                             String error) {

        /** Only the moves out of in_flight settle an attempt. */
        public Settlement {
            DeliveryState.IN_FLIGHT.requireMoveTo(state);
        }
    }

    /*
     * The fence of the batch statements (settle, release), on (in_flight, owner, attempt): the lease
     * CHECK makes "locked_by = owner AND locked_until IS NOT NULL" the same test as "state =
     * 'in_flight' AND locked_by = owner". Written so, it does not imply the lease index's predicate:
     * statistics almost never see a row in flight (a state each row passes through), so the planner
     * took that index for a few rows and tested the batch against every in-flight delivery of every
     * worker. The ANY gives the primary key an index condition estimated from the batch. Its
     * parameters: the batch's ids, then the owner.
     */
    private static final String BATCH_FENCE = """
             WHERE d.id = ANY(?::bigint[])
               AND d.id = v.id
               AND d.locked_by = ?
               AND d.locked_until IS NOT NULL
               AND d.attempts = v.attempt
            RETURNING d.id""";

    private static final String SETTLE_SQL = """
            UPDATE webhook_deliveries d
               SET state = v.state,
                   next_attempt_at = coalesce(v.next_at, d.next_attempt_at),
                   locked_by = NULL,
                   locked_until = NULL,
                   last_status = v.status,
                   last_error = v.error,
                   updated_at = ?,
                   completed_at = CASE WHEN v.state = 'pending' THEN NULL ELSE ? END
              FROM unnest(?::bigint[], ?::integer[], ?::text[], ?::timestamptz[], ?::integer[], ?::text[])
                   AS v(id, attempt, state, next_at, status, error)
            """ + BATCH_FENCE;

    /**
     * Applies a batch of settlements in one statement, each fenced on (in_flight, owner, attempt).
     * Returns the ids it applied; a missing id means another worker owns that delivery now.
     */
    public Set<Long> settle(DSLContext tx, String owner, List<Settlement> batch, Instant now) {
        if (batch.isEmpty()) {
            return Set.of();
        }
        int n = batch.size();
        Long[] ids = new Long[n];
        Integer[] attempts = new Integer[n];
        String[] states = new String[n];
        String[] nextAt = new String[n];
        Integer[] statuses = new Integer[n];
        String[] errors = new String[n];
        for (int i = 0; i < n; i++) {
            Settlement s = batch.get(i);
            ids[i] = s.deliveryId();
            attempts[i] = s.attempt();
            states[i] = s.state().sql();
            nextAt[i] = s.nextAttemptAt() == null ? null : s.nextAttemptAt().toString();
            statuses[i] = s.status();
            errors[i] = s.error();
        }
        OffsetDateTime at = DbTime.utc(now);
        return fencedBatch(tx, SETTLE_SQL, ids, owner, (c, ps) -> {
            ps.setObject(1, at);
            ps.setObject(2, at);
            ps.setArray(3, c.createArrayOf("bigint", ids));
            ps.setArray(4, c.createArrayOf("integer", attempts));
            ps.setArray(5, c.createArrayOf("text", states));
            ps.setArray(6, c.createArrayOf("text", nextAt));
            ps.setArray(7, c.createArrayOf("integer", statuses));
            ps.setArray(8, c.createArrayOf("text", errors));
            return 9;
        });
    }

    /** Binds a batch statement's own parameters and returns the index of the fence's first. */
    @FunctionalInterface
    private interface BatchBinder {
        int bind(Connection c, PreparedStatement ps) throws SQLException;
    }

    /** Runs a statement ending in {@link #BATCH_FENCE}; returns the ids it matched. */
    private static Set<Long> fencedBatch(DSLContext tx, String sql, Long[] ids, String owner, BatchBinder binder) {
        return tx.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                // Planned at every call, on the table's current size: a plan kept for the session
                // may have been made while the table was nearly empty, when a sequential scan won.
                ps.unwrap(PGStatement.class).setPrepareThreshold(0);
                int fence = binder.bind(c, ps);
                ps.setArray(fence, c.createArrayOf("bigint", ids));
                ps.setString(fence + 1, owner);
                Set<Long> matched = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        matched.add(rs.getLong(1));
                    }
                }
                return matched;
            }
        });
    }

    /**
     * Fenced: gives a claimed delivery back without an attempt having been made (the worker is
     * stopping, or the endpoint was disabled after routing): the attempt count is restored and
     * the delivery is due at {@code dueAt}, or paused when its endpoint's deliveries are (see
     * {@link PausedDeliveries}). A null note keeps the last error as it was.
     */
    public boolean release(DSLContext tx, ClaimedDelivery d, String workerId, Instant dueAt, String note,
                           Instant now) {
        PausedDeliveries.lockShared(tx, d.endpointId());
        var pausedEndpoint = DSL.exists(DSL.selectOne().from(E)
                .where(E.ID.eq(D.ENDPOINT_ID)).and(E.ENABLED.isFalse()).and(E.DELIVERIES_PAUSED.isTrue()));
        return tx.update(D)
                .set(D.STATE, DSL.when(pausedEndpoint, DeliveryState.PAUSED.sql())
                        .otherwise(DeliveryState.PENDING.sql()))
                .set(D.ATTEMPTS, D.ATTEMPTS.minus(1))
                .set(D.NEXT_ATTEMPT_AT, DbTime.utc(dueAt))
                .set(D.LOCKED_BY, (String) null)
                .set(D.LOCKED_UNTIL, (OffsetDateTime) null)
                .set(D.LAST_ERROR, note == null ? D.LAST_ERROR : org.jooq.impl.DSL.val(note))
                .set(D.UPDATED_AT, DbTime.utc(now))
                .where(fence(d, workerId))
                .execute() == 1;
    }

    /** A claimed delivery to give back unsent, due again at {@code dueAt}. */
    public record Return(long deliveryId, int attempt, Instant dueAt) {
    }

    /**
     * Fenced, one statement for many: gives claimed deliveries back without an attempt, as
     * {@link #release} does with a null note (the attempt count restored, the last error kept).
     * For the deliveries a breaker or rate limit holds back, which can be most of a claim batch.
     * Returns the ids it released; a missing id means another worker owns that delivery now.
     */
    public Set<Long> releaseAll(DSLContext tx, String workerId, List<Return> batch, Instant now) {
        if (batch.isEmpty()) {
            return Set.of();
        }
        int n = batch.size();
        Long[] ids = new Long[n];
        Integer[] attempts = new Integer[n];
        String[] dueAt = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = batch.get(i).deliveryId();
            attempts[i] = batch.get(i).attempt();
            dueAt[i] = DbTime.utc(batch.get(i).dueAt()).toString();
        }
        OffsetDateTime at = DbTime.utc(now);
        return fencedBatch(tx, RELEASE_ALL_SQL, ids, workerId, (c, ps) -> {
            ps.setObject(1, at);
            ps.setArray(2, c.createArrayOf("bigint", ids));
            ps.setArray(3, c.createArrayOf("integer", attempts));
            ps.setArray(4, c.createArrayOf("text", dueAt));
            return 5;
        });
    }

    /** Plain SQL over JDBC: it runs for every recorder batch with held-back deliveries. */
    private static final String RELEASE_ALL_SQL = """
            UPDATE webhook_deliveries d
               SET state = 'pending',
                   attempts = d.attempts - 1,
                   next_attempt_at = v.due_at,
                   locked_by = NULL,
                   locked_until = NULL,
                   updated_at = ?
              FROM unnest(?::bigint[], ?::int[], ?::timestamptz[]) AS v(id, attempt, due_at)
            """ + BATCH_FENCE;

    private static Condition fence(ClaimedDelivery d, String workerId) {
        return D.ID.eq(d.deliveryId())
                .and(D.STATE.eq(DeliveryState.IN_FLIGHT.sql()))
                .and(D.LOCKED_BY.eq(workerId))
                .and(D.ATTEMPTS.eq(d.attempt()));
    }

    static ClaimedDelivery readClaim(ResultSet rs) throws SQLException {
        return new ClaimedDelivery(rs.getLong("delivery_id"), rs.getLong("outbox_id"), rs.getString("ordering_key"),
                rs.getInt("attempts"), rs.getInt("retry_base"), rs.getObject("event_id", UUID.class),
                rs.getString("event_type"), rs.getString("account_id"),
                rs.getObject("occurred_at", OffsetDateTime.class), rs.getString("payload"), rs.getLong("endpoint_id"),
                rs.getString("url"), rs.getBoolean("enabled"), rs.getObject("max_in_flight", Integer.class),
                rs.getBoolean("shared_limits"), readCredentials(rs), rs.getString("traceparent"),
                rs.getString("tracestate"));
    }

    private static EndpointCredentials readCredentials(ResultSet rs) throws SQLException {
        return new EndpointCredentials(rs.getString("secret"), rs.getString("previous_secret"),
                rs.getObject("previous_secret_expires_at", OffsetDateTime.class),
                headers((String[]) rs.getArray("headers").getArray()),
                rs.getString("client_certificate"), rs.getString("client_key"),
                new StoredSigning(SigningMode.parse(rs.getString("signing")), rs.getString("signing_key"),
                        rs.getString("signing_public_key"), rs.getString("previous_signing_key"),
                        rs.getString("previous_signing_public_key"),
                        rs.getObject("previous_signing_key_expires_at", OffsetDateTime.class)),
                oauth2(rs.getArray("oauth2")));
    }

    private static ClientCredentials oauth2(java.sql.Array stored) throws SQLException {
        if (stored == null) {
            return null;
        }
        String[] a = (String[]) stored.getArray();
        return new ClientCredentials(a[0], a[1], a[2], a[3], a[4]);
    }

    private static List<EndpointHeader> headers(String[] namesAndValues) {
        List<EndpointHeader> headers = new ArrayList<>(namesAndValues.length);
        for (String h : namesAndValues) {
            int colon = h.indexOf(':');
            headers.add(new EndpointHeader(h.substring(0, colon), h.substring(colon + 1)));
        }
        return headers;
    }
}
