package com.d3.webhooks.operations;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;

import com.d3.webhooks.state.DeliveryState;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.impl.DSL;

/**
 * Which deliveries an operator means: every non-null part narrows the selection (they combine
 * with AND). Times select by the delivery's creation, which is when its event was routed.
 *
 * @param deliveryIds only these deliveries; empty for any
 * @param states      only deliveries in these states; empty for any
 * @param since       created at or after, inclusive
 * @param until       created before, exclusive
 */
public record DeliveryFilter(List<Long> deliveryIds, UUID eventId, Long endpointId, String accountId,
                             String eventType, Instant since, Instant until, List<String> states) {

    public static final Set<String> STATES =
            Arrays.stream(DeliveryState.values()).map(DeliveryState::sql).collect(Collectors.toUnmodifiableSet());

    public DeliveryFilter {
        deliveryIds = deliveryIds == null ? List.of() : List.copyOf(deliveryIds);
        states = states == null ? List.of() : List.copyOf(states);
        for (String s : states) {
            if (!STATES.contains(s)) {
                throw new IllegalArgumentException("unknown delivery state '" + s
                        + "': expected waiting, pending, paused, in_flight, succeeded, failed or skipped");
            }
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw new IllegalArgumentException("--since (" + since + ") must be before --until (" + until + ")");
        }
    }

    public static DeliveryFilter all() {
        return new DeliveryFilter(null, null, null, null, null, null, null, null);
    }

    public DeliveryFilter withStates(List<String> newStates) {
        return new DeliveryFilter(deliveryIds, eventId, endpointId, accountId, eventType, since, until, newStates);
    }

    public DeliveryFilter withDeliveryIds(List<Long> ids) {
        return new DeliveryFilter(ids, eventId, endpointId, accountId, eventType, since, until, states);
    }

    public DeliveryFilter withEndpoint(Long id) {
        return new DeliveryFilter(deliveryIds, eventId, id, accountId, eventType, since, until, states);
    }

    public DeliveryFilter withAccount(String account) {
        return new DeliveryFilter(deliveryIds, eventId, endpointId, account, eventType, since, until, states);
    }

    public DeliveryFilter withEventType(String type) {
        return new DeliveryFilter(deliveryIds, eventId, endpointId, accountId, type, since, until, states);
    }

    public DeliveryFilter withEvent(UUID id) {
        return new DeliveryFilter(deliveryIds, id, endpointId, accountId, eventType, since, until, states);
    }

    public DeliveryFilter between(Instant from, Instant to) {
        return new DeliveryFilter(deliveryIds, eventId, endpointId, accountId, eventType, from, to, states);
    }

    /** The WHERE condition on webhook_deliveries. */
    public Condition condition() {
        var d = WEBHOOK_DELIVERIES;
        Condition c = DSL.noCondition();
        if (!deliveryIds.isEmpty()) {
            c = c.and(d.ID.in(deliveryIds));
        }
        if (eventId != null) {
            // Through the event's outbox row: webhook_deliveries has no index on event_id (V21).
            c = c.and(d.OUTBOX_ID.eq(DSL.select(WEBHOOK_OUTBOX.ID).from(WEBHOOK_OUTBOX)
                    .where(WEBHOOK_OUTBOX.EVENT_ID.eq(eventId))));
        }
        if (endpointId != null) {
            c = c.and(d.ENDPOINT_ID.eq(endpointId));
        }
        if (accountId != null) {
            c = c.and(d.ACCOUNT_ID.eq(accountId));
        }
        if (eventType != null) {
            c = c.and(d.EVENT_TYPE.eq(eventType));
        }
        if (since != null) {
            c = c.and(d.CREATED_AT.ge(since.atOffset(ZoneOffset.UTC)));
        }
        if (until != null) {
            c = c.and(d.CREATED_AT.lt(until.atOffset(ZoneOffset.UTC)));
        }
        if (!states.isEmpty()) {
            c = c.and(d.STATE.in(states));
        }
        return c;
    }
}
