package com.d3.webhooks.delivery;

import com.d3.webhooks.db.DbTime;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;

/**
 * One batch of deliveries whose lease expired (their worker died or hung), locked for the
 * {@link LeaseRescuer}; {@code more} when a bound cut it short, so others may be waiting.
 */
record ExpiredLeases(List<LostAttempt> lost, boolean more) {

    /** A delivery whose worker's lease ran out before it reported the attempt's outcome. */
    record LostAttempt(ClaimedDelivery delivery, String lostBy, Instant leaseExpiredAt) {
    }

    private static final String LOCK_EXPIRED_SQL = "SELECT " + DeliveryRepository.CLAIM_COLUMNS + """
            , d.locked_by, d.locked_until
              FROM webhook_deliveries d
              JOIN webhook_outbox o ON o.id = d.outbox_id
              JOIN webhook_endpoints e ON e.id = d.endpoint_id
             WHERE d.state = 'in_flight' AND d.locked_until < ?
             ORDER BY d.locked_until
             LIMIT ?
               FOR UPDATE OF d SKIP LOCKED""";

    /** Rows a rescue reads per round trip: the most it may hold beyond its payload bound. */
    private static final int RESCUE_FETCH_ROWS = 8;

    /**
     * Locks expired leases, oldest first, up to {@code maxRows} and until their payloads add up to
     * {@code maxPayloadChars}, returning them as claims of the worker that lost them, so the
     * caller can audit the lost attempt and settle each one in the same transaction. The rows come
     * through a cursor (the caller's transaction makes one), a few per round trip: those the
     * server is not asked for are neither locked nor sent.
     */
    static ExpiredLeases lock(DSLContext tx, int maxRows, long maxPayloadChars, Instant now) {
        return tx.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(LOCK_EXPIRED_SQL)) {
                ps.setObject(1, DbTime.utc(now));
                ps.setInt(2, maxRows);
                ps.setFetchSize(RESCUE_FETCH_ROWS);
                List<LostAttempt> lost = new ArrayList<>();
                long chars = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (chars < maxPayloadChars && rs.next()) {
                        ClaimedDelivery d = DeliveryRepository.readClaim(rs);
                        lost.add(new LostAttempt(d, rs.getString("locked_by"),
                                rs.getObject("locked_until", OffsetDateTime.class).toInstant()));
                        chars += d.payloadJson().length();
                    }
                }
                return new ExpiredLeases(lost, lost.size() == maxRows || chars >= maxPayloadChars);
            }
        });
    }
}
