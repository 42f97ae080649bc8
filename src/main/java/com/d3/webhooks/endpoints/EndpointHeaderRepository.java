package com.d3.webhooks.endpoints;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINT_HEADERS;

import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretSealer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Sets, removes and describes the static headers of endpoints (webhook_endpoint_headers, which
 * the dashboard's backend writes by SQL too). Built with a {@link SecretSealer} that has a key,
 * it stores values sealed, bound to their endpoint and name; without one it stores them as
 * given, as the dashboard's backend does, and the worker seals them later. Values are never read
 * back out of this class.
 */
public final class EndpointHeaderRepository {

    private static final com.d3.webhooks.db.schema.tables.WebhookEndpointHeaders H = WEBHOOK_ENDPOINT_HEADERS;

    private final DSLContext dsl;
    private final SecretSealer sealer;

    public EndpointHeaderRepository(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /**
     * In one transaction: removes the headers named in {@code remove} (any case; a name the
     * endpoint does not have is no error), then adds each of {@code set}, or replaces the value
     * (and the name's case) of the header of that name. When something was set, the endpoint's
     * headers are then held to {@link HeaderRules#limitsProblem}, their values opened with this
     * repository's keys; over the limits nothing changes. False when there is no such endpoint.
     *
     * @throws IllegalArgumentException when a header is not allowed, the limits would be passed,
     *                                  or a value already stored cannot be opened to count it
     */
    public boolean change(long endpointId, List<EndpointHeader> set, List<String> remove, Instant now) {
        set.forEach(EndpointHeader::validate);
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            // Locks the endpoint, so two changes of its headers cannot pass the limits together.
            if (tx.selectOne().from(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(endpointId)).forUpdate()
                    .fetchOptional().isEmpty()) {
                return false;
            }
            if (!remove.isEmpty()) {
                tx.deleteFrom(H).where(H.ENDPOINT_ID.eq(endpointId))
                        .and(DSL.lower(H.NAME).in(remove.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList()))
                        .execute();
            }
            OffsetDateTime at = DbTime.utc(now);
            for (EndpointHeader h : set) {
                String stored = sealer.sealIfKeyed(h.value(), SealedPlace.header(endpointId, h.name()));
                tx.execute("""
                        INSERT INTO webhook_endpoint_headers (endpoint_id, name, value, created_at, updated_at)
                        VALUES ({0}, {1}, {2}, {3}, {3})
                        ON CONFLICT (endpoint_id, lower(name))
                        DO UPDATE SET name = excluded.name, value = excluded.value, updated_at = excluded.updated_at""",
                        DSL.val(endpointId), DSL.val(h.name()), DSL.val(stored), DSL.val(at));
            }
            // Removing alone cannot pass the limits, and needs no key to count the values.
            String problem = set.isEmpty() ? null : HeaderRules.limitsProblem(opened(tx, endpointId));
            if (problem != null) {
                throw new IllegalArgumentException("endpoint " + endpointId + " would have " + problem);
            }
            return true;
        });
    }

    /** The headers of each of these endpoints, in the order they were added; endpoints without any are left out. */
    public Map<Long, List<StaticHeader>> describe(Collection<Long> endpointIds) {
        Map<Long, List<StaticHeader>> byEndpoint = new LinkedHashMap<>();
        for (var r : dsl.select(H.ENDPOINT_ID, H.NAME, H.VALUE).from(H).where(H.ENDPOINT_ID.in(endpointIds))
                .orderBy(H.ID).fetch()) {
            byEndpoint.computeIfAbsent(r.value1(), id -> new ArrayList<>()).add(new StaticHeader(r.value2(),
                    SecretSealer.isSealed(r.value3()), SecretSealer.keyIdOf(r.value3()).orElse(null)));
        }
        return byEndpoint;
    }

    private List<EndpointHeader> opened(DSLContext tx, long endpointId) {
        return tx.select(H.NAME, H.VALUE).from(H).where(H.ENDPOINT_ID.eq(endpointId)).fetch(r -> new EndpointHeader(
                r.value1(), sealer.open(r.value2(), SealedPlace.header(endpointId, r.value1()))));
    }
}
