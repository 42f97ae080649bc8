package com.d3.webhooks.admission;

import com.d3.webhooks.db.DbTime;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * The step between the claim and the senders that applies what all workers share about an
 * endpoint: its circuit breaker and its rate limit. One statement per claim batch, for all the
 * endpoints in it; it locks and changes only the rows of endpoints with a rate limit or with a
 * breaker whose pause is over. A batch whose endpoints had neither when claimed (the claim says
 * so) costs no statement at all.
 *
 * <ul>
 *   <li>Breaker open (its pause not over): every delivery is held back until the pause ends.</li>
 *   <li>Pause over (half-open): one delivery goes as the probe, and the breaker stays shut for
 *       the others until {@code probeWindow} from now (the probe's answer closes or reopens it
 *       before that; if its worker dies, the next probe goes after the window).</li>
 *   <li>Rate limit: a token bucket of one second's worth of requests, refilled continuously, in
 *       the endpoint's row; the deliveries beyond the tokens are held back to the moments the
 *       bucket will have a token for each, one after the other.</li>
 * </ul>
 * Held deliveries are given back without an attempt (the attempt count is restored).
 */
public final class EndpointAdmission {

    /** What admission reads of a claimed delivery. */
    public interface Candidate {

        long deliveryId();

        long endpointId();

        /** Whether its endpoint was enabled when claimed. */
        boolean endpointEnabled();

        /** When claimed, the endpoint had a rate limit or a breaker not closed: admission asks the database. */
        boolean endpointSharedLimits();
    }

    /** Why a claimed delivery was not sent. */
    public enum Reason {
        BREAKER("breaker"), RATE_LIMIT("rate_limit");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        /** The reason as metrics and logs name it. */
        public String tag() {
            return tag;
        }
    }

    /** A delivery held back, and when it is due again. */
    public record Held<D extends Candidate>(D delivery, Instant dueAt, Reason reason) {
    }

    /**
     * @param admitted deliveries that may be sent, in claim order
     * @param held     deliveries to give back unsent
     * @param probes   ids of admitted deliveries that are the probe of a half-open breaker
     */
    public record Decision<D extends Candidate>(List<D> admitted, List<Held<D>> held, List<Long> probes) {
    }

    /** When a concurrent admission changed the endpoint's row first, its deliveries look again this soon. */
    public static final Duration RECHECK = Duration.ofSeconds(1);

    private final DSLContext dsl;
    private final Duration probeWindow;

    public EndpointAdmission(DSLContext dsl, Duration probeWindow) {
        this.dsl = dsl;
        this.probeWindow = probeWindow;
    }

    public <D extends Candidate> Decision<D> admit(List<D> claimed, Instant now) {
        if (claimed.isEmpty()) {
            return new Decision<>(List.of(), List.of(), List.of());
        }
        Map<Long, List<D>> byEndpoint = new LinkedHashMap<>();
        List<D> admitted = new ArrayList<>();
        for (D d : claimed) {
            if (!d.endpointEnabled()) {
                admitted.add(d); // the attempt gives it back: the endpoint is disabled
            } else if (!d.endpointSharedLimits()) {
                // No rate limit and a closed breaker when claimed: nothing to ask (most batches).
                admitted.add(d);
            } else {
                byEndpoint.computeIfAbsent(d.endpointId(), k -> new ArrayList<>()).add(d);
            }
        }
        if (byEndpoint.isEmpty()) {
            return new Decision<>(admitted, List.of(), List.of());
        }
        Map<Long, Verdict> verdicts = new HashMap<>();
        for (Verdict v : decide(byEndpoint, now)) {
            verdicts.put(v.endpointId(), v);
        }
        List<Held<D>> held = new ArrayList<>();
        List<Long> probes = new ArrayList<>();
        byEndpoint.forEach((endpointId, deliveries) -> {
            Verdict v = verdicts.get(endpointId);
            if (v == null) {
                // The endpoint row is gone (deleted with its deliveries meanwhile): let the attempt find out.
                admitted.addAll(deliveries);
                return;
            }
            int go = Math.min(deliveries.size(), v.admitted());
            admitted.addAll(deliveries.subList(0, go));
            boolean probe = v.probe();
            if (probe && go > 0) {
                probes.add(deliveries.get(0).deliveryId());
            }
            OffsetDateTime openUntil = v.breakerOpenUntil();
            Integer rate = v.rate();
            Double tokensLeft = v.tokensLeft();
            int behindRate = 0;
            for (D d : deliveries.subList(go, deliveries.size())) {
                if (probe || (openUntil != null && openUntil.toInstant().isAfter(now))) {
                    held.add(new Held<>(d, openUntil.toInstant(), Reason.BREAKER));
                } else if (rate != null && tokensLeft != null) {
                    behindRate++;
                    double waitSeconds = Math.max(0, (behindRate - tokensLeft) / rate);
                    held.add(new Held<>(d, now.plusNanos((long) Math.ceil(waitSeconds * 1e9)), Reason.RATE_LIMIT));
                } else {
                    held.add(new Held<>(d, now.plus(RECHECK), rate != null ? Reason.RATE_LIMIT : Reason.BREAKER));
                }
            }
        });
        return new Decision<>(admitted, held, probes);
    }

    /**
     * One endpoint's verdict: how many of its deliveries may go, whether the first is a probe, its
     * breaker's open-until, and for a rate-limited one its rate and the tokens left after this
     * admission (tokens null when another admission held the row: look again soon).
     */
    private record Verdict(long endpointId, int admitted, boolean probe, OffsetDateTime breakerOpenUntil,
                           Integer rate, Double tokensLeft) {
    }

    private List<Verdict> decide(Map<Long, ? extends List<?>> byEndpoint, Instant now) {
        Long[] ids = byEndpoint.keySet().stream().sorted().toArray(Long[]::new);
        Integer[] wanted = new Integer[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wanted[i] = byEndpoint.get(ids[i]).size();
        }
        return dsl.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(ADMIT_SQL)) {
                ps.setObject(1, DbTime.utc(now));
                ps.setObject(2, DbTime.utc(now.plus(probeWindow)));
                ps.setArray(3, c.createArrayOf("bigint", ids));
                ps.setArray(4, c.createArrayOf("integer", wanted));
                List<Verdict> verdicts = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        verdicts.add(new Verdict(rs.getLong("endpoint_id"), rs.getInt("admitted"),
                                rs.getBoolean("probe"), rs.getObject("breaker_open_until", OffsetDateTime.class),
                                rs.getObject("rate", Integer.class), rs.getObject("tokens_left", Double.class)));
                    }
                }
                return verdicts;
            }
        });
    }

    /**
     * Plain SQL over JDBC (it runs for every claim batch). {@code locked} takes only the rows this
     * admission changes, in id order; {@code taken} changes them; the final SELECT answers for every
     * endpoint of the batch, from the snapshot for the rows not taken.
     */
    private static final String ADMIT_SQL = """
            WITH a AS (
                SELECT ?::timestamptz AS now, ?::timestamptz AS probe_until
            ), w AS (
                SELECT * FROM unnest(?::bigint[], ?::int[]) AS w(endpoint_id, wanted)
            ), locked AS (
                -- a rate limit to take tokens from (breaker closed), or a breaker whose pause is over
                SELECT e.id, w.wanted, e.rate_limit_per_second AS rate, e.rate_tokens, e.rate_refilled_at,
                       e.breaker_open_until
                  FROM webhook_endpoints e JOIN w ON w.endpoint_id = e.id CROSS JOIN a
                 WHERE (e.breaker_open_until IS NULL AND e.rate_limit_per_second IS NOT NULL)
                    OR e.breaker_open_until <= a.now
                 ORDER BY e.id
                   FOR UPDATE OF e
            ), bucket AS (
                SELECT l.*,
                       l.breaker_open_until IS NOT NULL AS probe_due,
                       CASE WHEN l.rate IS NULL THEN NULL
                            ELSE least(l.rate::float8, coalesce(l.rate_tokens, l.rate::float8)
                                 + l.rate * greatest(0, extract(epoch FROM a.now - coalesce(l.rate_refilled_at, a.now))))
                       END AS available
                  FROM locked l CROSS JOIN a
            ), decided AS (
                SELECT b.*,
                       least(CASE WHEN b.probe_due THEN 1 ELSE b.wanted END,
                             CASE WHEN b.rate IS NULL THEN b.wanted ELSE floor(b.available)::int END) AS admitted
                  FROM bucket b
            ), taken AS (
                UPDATE webhook_endpoints e
                   SET breaker_open_until = CASE WHEN d.probe_due AND d.admitted > 0 THEN a.probe_until
                                                 ELSE e.breaker_open_until END,
                       rate_tokens = CASE WHEN d.rate IS NULL THEN e.rate_tokens ELSE d.available - d.admitted END,
                       rate_refilled_at = CASE WHEN d.rate IS NULL THEN e.rate_refilled_at
                                               ELSE greatest(a.now, coalesce(e.rate_refilled_at, a.now)) END
                  FROM decided d, a
                 WHERE e.id = d.id
                RETURNING e.id, d.admitted, d.rate, d.available - d.admitted AS tokens_left,
                          e.breaker_open_until, d.probe_due AND d.admitted > 0 AS probe
            )
            SELECT w.endpoint_id,
                   CASE WHEN t.id IS NOT NULL THEN t.admitted
                        WHEN e.breaker_open_until IS NULL AND e.rate_limit_per_second IS NULL THEN w.wanted
                        ELSE 0 END AS admitted,
                   coalesce(t.probe, false) AS probe,
                   CASE WHEN t.id IS NOT NULL THEN t.breaker_open_until ELSE e.breaker_open_until END
                       AS breaker_open_until,
                   coalesce(t.rate, e.rate_limit_per_second) AS rate,
                   t.tokens_left
              FROM w JOIN webhook_endpoints e ON e.id = w.endpoint_id
              LEFT JOIN taken t ON t.id = w.endpoint_id""";
}
