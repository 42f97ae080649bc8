package com.d3.webhooks.delivery;

import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.db.DbTime;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINT_HEADERS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;

import com.d3.webhooks.audit.AuditLog;
import com.d3.webhooks.delivery.Completion.Attempted;
import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.oauth.OAuth2Repository;
import com.d3.webhooks.outbox.EventTypes;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.JSONB;

/**
 * Sends one {@code endpoint.test} event to an endpoint now ({@code outbox endpoints test}).
 * <p>
 * The test is a normal delivery, so it is audited, listed and shown like any other: one
 * outbox row (already routed, so the router never looks at it) and one delivery that starts
 * out leased to this caller, so no worker claims it meanwhile. The attempt goes through
 * {@link DeliveryAttempt} (the same URL and address checks, headers, signatures and HTTP
 * client as the worker); its audit row and the fenced settlement are written in one
 * transaction. A test is sent once: it succeeds or fails, it is not retried (an operator may
 * replay it). It is sent even to a disabled endpoint, so a fix can be checked before enabling.
 * If this process dies mid-request, the lease expires and a worker's rescue audits the lost
 * attempt and retries it like any other delivery.
 */
public final class EndpointProbe {

    /** What the test came to; {@code settledAs} is succeeded, failed, or taken over. */
    public record Outcome(long deliveryId, UUID eventId, long endpointId, String url, Instant sentAt,
                          AttemptResult result, String settledAs) {
    }

    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();

    private final DSLContext dsl;
    private final WorkerConfig config;
    private final Clock clock;
    private final DeliveryAttempt attempt;
    private final DeliveryRepository deliveries;

    /** {@code config} supplies the caller's id, timeouts, lease and network policy. */
    public EndpointProbe(DSLContext dsl, WorkerConfig config, Clock clock) {
        this.dsl = dsl;
        this.config = config;
        this.clock = clock;
        this.attempt = new DeliveryAttempt(config, clock);
        this.deliveries = new DeliveryRepository(dsl);
    }

    /** Empty when there is no such endpoint. */
    public Optional<Outcome> send(long endpointId, String message) {
        Instant now = clock.instant();
        Optional<ClaimedDelivery> claimed = dsl.transactionResult(cfg -> create(cfg.dsl(), endpointId, message, now));
        if (claimed.isEmpty()) {
            return Optional.empty();
        }
        ClaimedDelivery d = claimed.get();
        Attempted done = (Attempted) attempt.run(d);
        AttemptResult r = done.result();
        Instant recordedAt = clock.instant();
        String settledAs = dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            AuditLog.append(tx, List.of(done.audit()));
            DeliveryState state = r.succeeded() ? DeliveryState.SUCCEEDED : DeliveryState.FAILED;
            var settlement = new DeliveryRepository.Settlement(d.deliveryId(), d.attempt(), state, null, r.status(),
                    r.error());
            boolean fenced = !deliveries.settle(tx, config.workerId(), List.of(settlement), recordedAt).isEmpty();
            return fenced ? state.sql() : OutcomeRecorder.TAKEN_OVER;
        });
        return Optional.of(new Outcome(d.deliveryId(), d.eventId(), endpointId, d.url(), done.audit().sentAt(), r,
                settledAs));
    }

    /** The outbox row and the delivery, leased to this caller with its first attempt counted. */
    private Optional<ClaimedDelivery> create(DSLContext tx, long endpointId, String message, Instant now) {
        var e = WEBHOOK_ENDPOINTS;
        var endpoint = tx.select(e.ACCOUNT_ID, e.URL, e.SECRET, e.PREVIOUS_SECRET, e.PREVIOUS_SECRET_EXPIRES_AT,
                        e.CLIENT_CERTIFICATE, e.CLIENT_KEY)
                .from(e).where(e.ID.eq(endpointId)).fetchOptional();
        if (endpoint.isEmpty()) {
            return Optional.empty();
        }
        String account = endpoint.get().value1();
        OffsetDateTime at = DbTime.utc(now);
        String payload = "{\"endpoint_id\":" + endpointId + ",\"message\":\""
                + new String(ENCODER.quoteAsString(message)) + "\"}";
        var o = WEBHOOK_OUTBOX;
        var outbox = tx.insertInto(o)
                .set(o.ACCOUNT_ID, account)
                .set(o.EVENT_TYPE, EventTypes.ENDPOINT_TEST)
                .set(o.PAYLOAD, JSONB.jsonb(payload))
                .set(o.OCCURRED_AT, at)
                .set(o.CREATED_AT, at)
                .set(o.ROUTING_STATE, "routed")
                .set(o.ROUTED_AT, at)
                .set(o.DELIVERY_COUNT, 1)
                .returningResult(o.ID, o.EVENT_ID, o.PAYLOAD)
                .fetchSingle();
        var d = WEBHOOK_DELIVERIES;
        long deliveryId = tx.insertInto(d)
                .set(d.OUTBOX_ID, outbox.value1())
                .set(d.EVENT_ID, outbox.value2())
                .set(d.ENDPOINT_ID, endpointId)
                .set(d.ACCOUNT_ID, account)
                .set(d.EVENT_TYPE, EventTypes.ENDPOINT_TEST)
                .set(d.STATE, DeliveryState.IN_FLIGHT.sql())
                .set(d.ATTEMPTS, 1)
                .set(d.RETRY_BASE, 0)
                .set(d.NEXT_ATTEMPT_AT, at)
                .set(d.LOCKED_BY, config.workerId())
                .set(d.LOCKED_UNTIL, DbTime.utc(now.plus(config.lease())))
                .set(d.CREATED_AT, at)
                .set(d.UPDATED_AT, at)
                .returning(d.ID)
                .fetchSingle(d.ID);
        var h = WEBHOOK_ENDPOINT_HEADERS;
        List<EndpointHeader> headers = tx.select(h.NAME, h.VALUE).from(h).where(h.ENDPOINT_ID.eq(endpointId))
                .orderBy(h.ID).fetch(r -> new EndpointHeader(r.value1(), r.value2()));
        return Optional.of(new ClaimedDelivery(deliveryId, outbox.value1(), null, 1, 0, outbox.value2(),
                EventTypes.ENDPOINT_TEST, account, at, outbox.value3().data(), endpointId, endpoint.get().value2(),
                true, null, false, new EndpointCredentials(endpoint.get().value3(), endpoint.get().value4(),
                        endpoint.get().value5(), headers, endpoint.get().value6(), endpoint.get().value7(),
                        StoredSigning.of(tx.fetchSingle(e, e.ID.eq(endpointId))),
                        OAuth2Repository.stored(tx, endpointId).orElse(null))));
    }
}
