package com.d3.webhooks.delivery;

import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.delivery.DeliveryRepository.Settlement;
import java.time.Duration;
import java.time.Instant;

/**
 * What an attempt makes of its delivery: succeeded; pending again after the scheduled delay (or
 * the receiver's longer Retry-After, within {@code maxRetryAfter}); or failed when the retry budget
 * is spent or the receiver asked for no more attempts. Pure: no database, no clock of its own.
 */
record RetryPolicy(RetrySchedule schedule, Duration maxRetryAfter) {

    static RetryPolicy of(WorkerConfig config) {
        return new RetryPolicy(config.retrySchedule(), config.maxRetryAfter());
    }

    Settlement decide(ClaimedDelivery d, AttemptResult r, Instant now) {
        Integer status = r.status();
        String error = r.error();
        if (error == null) {
            return new Settlement(d.deliveryId(), d.attempt(), DeliveryState.SUCCEEDED, null, status, null);
        }
        Duration delay = schedule.delayAfter(d.attemptInBudget());
        if (delay == null || r.abort()) {
            return new Settlement(d.deliveryId(), d.attempt(), DeliveryState.FAILED, null, status, error);
        }
        Duration retryAfter = r.retryAfter();
        if (retryAfter != null) {
            Duration asked = retryAfter.compareTo(maxRetryAfter) <= 0 ? retryAfter : maxRetryAfter;
            delay = asked.compareTo(delay) > 0 ? asked : delay;
        }
        return new Settlement(d.deliveryId(), d.attempt(), DeliveryState.PENDING, now.plus(delay), status, error);
    }

    /**
     * An attempt whose worker never reported back: due again at once, or failed if it was the
     * last of its budget (the request may have reached the receiver, so it counts).
     */
    Settlement lost(ClaimedDelivery d, String error, Instant now) {
        return lastInBudget(d)
                ? new Settlement(d.deliveryId(), d.attempt(), DeliveryState.FAILED, null, null, error)
                : new Settlement(d.deliveryId(), d.attempt(), DeliveryState.PENDING, now, null, error);
    }

    boolean lastInBudget(ClaimedDelivery d) {
        return d.attemptInBudget() >= schedule.maxAttempts();
    }
}
