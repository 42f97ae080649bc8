package com.d3.webhooks.delivery;

import org.slf4j.MDC;

/**
 * A delivery's ids in the SLF4J MDC while a line about it is logged: with {@code --log-format
 * json} they are fields of the line's "mdc" object, so a log shipper can find every line about
 * one delivery, event or endpoint. Never the URL's query or any secret. Use in try-with-resources
 * on the thread that logs.
 */
final class DeliveryMdc implements AutoCloseable {

    static final String DELIVERY_ID = "delivery_id";
    static final String EVENT_ID = "event_id";
    static final String ENDPOINT_ID = "endpoint_id";
    static final String EVENT_TYPE = "event_type";
    static final String ATTEMPT = "attempt";

    private DeliveryMdc() {
    }

    static DeliveryMdc of(ClaimedDelivery d) {
        MDC.put(DELIVERY_ID, Long.toString(d.deliveryId()));
        MDC.put(EVENT_ID, d.eventId().toString());
        MDC.put(ENDPOINT_ID, Long.toString(d.endpointId()));
        MDC.put(EVENT_TYPE, d.eventType());
        MDC.put(ATTEMPT, Integer.toString(d.attempt()));
        return new DeliveryMdc();
    }

    @Override
    public void close() {
        MDC.remove(DELIVERY_ID);
        MDC.remove(EVENT_ID);
        MDC.remove(ENDPOINT_ID);
        MDC.remove(EVENT_TYPE);
        MDC.remove(ATTEMPT);
    }
}
