package com.d3.webhooks.observability;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.delivery.DeliveryListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * The worker's own meters, fed by the worker as a {@link DeliveryListener}. Event type is a tag:
 * there are a handful of types, so its cardinality stays small; endpoint ids are not tags, as
 * thousands of endpoints would make thousands of series (per-endpoint figures: outbox stats).
 */
public final class WorkerMetrics implements DeliveryListener {

    private final MeterRegistry registry;
    private final Counter leaseExpiries;
    private final DistributionSummary claimBatch;
    private final Counter breakerOpenings;
    private final Counter malformedTraceContexts;

    public WorkerMetrics(MeterRegistry registry, String workerId, IntSupplier inFlight) {
        this.registry = registry;
        this.leaseExpiries = Counter.builder("outbox.lease.expiries")
                .description("Deliveries whose worker's lease expired before it reported; they were due again")
                .register(registry);
        this.claimBatch = DistributionSummary.builder("outbox.claim.batch.size")
                .description("Deliveries leased per claim statement")
                .register(registry);
        this.breakerOpenings = Counter.builder("outbox.breaker.openings")
                .description("Times an endpoint's circuit breaker opened (or opened again after a failed probe)")
                .register(registry);
        this.malformedTraceContexts = Counter.builder("outbox.trace.context.malformed")
                .description("Attempts whose outbox row had a traceparent that is not W3C trace context; it was "
                        + "ignored and the event sent without it")
                .register(registry);
        // Strong: a registry holds gauge state weakly, and nothing else keeps this supplier alive.
        Gauge.builder("outbox.in.flight", inFlight, IntSupplier::getAsInt)
                .description("Deliveries this worker holds: claimed and not yet recorded")
                .tag("worker", workerId)
                .strongReference(true)
                .register(registry);
    }

    @Override
    public void recorded(AuditEntry entry, String settledAs) {
        Counter.builder("outbox.attempts")
                .description("Delivery attempts by outcome, event type and HTTP status class")
                .tag("outcome", entry.status())
                .tag("event_type", entry.eventType())
                .tag("status_class", statusClass(entry.responseStatus()))
                .register(registry)
                .increment();
        Timer.builder("outbox.attempt.duration")
                .description("Time from sending a request to reading its response excerpt")
                .tag("outcome", entry.status())
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofMillis(entry.durationMs()));
    }

    @Override
    public void claimed(int deliveries) {
        claimBatch.record(deliveries);
    }

    @Override
    public void rescued(int deliveries) {
        leaseExpiries.increment(deliveries);
    }

    @Override
    public void heldBack(String reason, int deliveries) {
        Counter.builder("outbox.deliveries.held.back")
                .description("Claimed deliveries given back unsent, without an attempt, by reason: breaker (the "
                        + "endpoint's circuit breaker is open), rate_limit (the endpoint's rate limit) or endpoint_busy (the "
                        + "endpoint had its share in flight in this worker and was not keeping up)")
                .tag("reason", reason)
                .register(registry)
                .increment(deliveries);
    }

    @Override
    public void breakerOpened(long endpointId) {
        breakerOpenings.increment();
    }

    @Override
    public void traceContextMalformed() {
        malformedTraceContexts.increment();
    }

    static String statusClass(Integer status) {
        return status == null ? "none" : (status / 100) + "xx";
    }
}
