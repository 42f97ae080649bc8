package com.d3.webhooks.delivery;

import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.ordering.OrderedKeys;
import com.d3.webhooks.audit.AuditLog;
import com.d3.webhooks.delivery.Completion.Attempted;
import com.d3.webhooks.delivery.Completion.Released;
import com.d3.webhooks.delivery.DeliveryRepository.Settlement;
import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.endpoints.EndpointHealth;
import com.d3.webhooks.tracing.WorkerTracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what became of a batch of claimed deliveries, in one short transaction: an audit row
 * per attempt, the fenced settlement the {@link RetryPolicy} decides for each, the releases of
 * deliveries not attempted, the endpoints' health and breakers, and last the promotion of ordered
 * keys whose head finished. Only then are the batch's slots free again.
 */
final class OutcomeRecorder {

    /** The worker's lines keep the logger name operators filter on. */
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final DSLContext dsl;
    private final WorkerConfig config;
    private final Clock clock;
    private final DeliveryRepository deliveries;
    private final RetryPolicy retry;
    private final DeliveryListener listener;
    private final WorkerTracing tracing;
    /** What a recorded attempt settled as when its fenced write matched no row. */
    static final String TAKEN_OVER = "taken over";

    /** Deliveries sent as the probe of a half-open breaker, until their outcome is recorded. */
    private final Set<Long> probes = ConcurrentHashMap.newKeySet();

    OutcomeRecorder(DSLContext dsl, WorkerConfig config, Clock clock, DeliveryListener listener,
                    WorkerTracing tracing) {
        this.tracing = tracing;
        this.dsl = dsl;
        this.config = config;
        this.clock = clock;
        this.deliveries = new DeliveryRepository(dsl);
        this.retry = RetryPolicy.of(config);
        this.listener = listener;
    }

    /** These deliveries go as the probes of half-open breakers: their failure reopens the breaker. */
    void probing(Collection<Long> deliveryIds) {
        probes.addAll(deliveryIds);
    }

    /**
     * Audits every attempt and settles every delivery of the batch in one transaction; gives back
     * the released ones. Returns whether the next deliveries of ordered keys became due.
     */
    boolean record(List<Completion> batch) {
        Instant now = clock.instant();
        List<Attempted> attempted = new ArrayList<>();
        List<Released> releases = new ArrayList<>();
        for (Completion c : batch) {
            if (c instanceof Attempted a) {
                attempted.add(a);
            } else {
                releases.add((Released) c);
            }
        }
        List<Settlement> settlements = attempted.stream()
                .map(a -> retry.decide(a.delivery(), a.result(), now))
                .toList();
        Span span = tracing.enabled()
                ? tracing.startRecording(batch.size(), attempted.stream().map(Attempted::span).toList())
                : Span.getInvalid();
        try {
            return record(batch, now, attempted, releases, settlements);
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, Worker.oneLine(e));
            throw e;
        } finally {
            span.end();
        }
    }

    private boolean record(List<Completion> batch, Instant now, List<Attempted> attempted, List<Released> releases,
                           List<Settlement> settlements) {
        List<CircuitBreaker.Opened> opened = new ArrayList<>();
        int[] promoted = {0};
        Set<Long> applied = dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            AuditLog.append(tx, attempted.stream().map(Attempted::audit).toList());
            List<DeliveryRepository.Return> returns = new ArrayList<>();
            for (Released r : releases) {
                if (r.note() == null) {
                    returns.add(new DeliveryRepository.Return(r.delivery().deliveryId(), r.delivery().attempt(),
                            r.dueAt()));
                } else {
                    deliveries.release(tx, r.delivery(), config.workerId(), r.dueAt(), r.note(), now);
                }
            }
            deliveries.releaseAll(tx, config.workerId(), returns, now);
            Set<Long> settled = deliveries.settle(tx, config.workerId(), settlements, now);
            Set<Long> healthy = new HashSet<>();
            Set<Long> failing = new HashSet<>();
            for (Attempted a : attempted) {
                (a.result().succeeded() ? healthy : failing).add(a.delivery().endpointId());
                if (a.result().gone()) {
                    EndpointHealth.disableGone(tx, a.delivery().endpointId(), now);
                }
            }
            EndpointHealth.recordOutcomes(tx, healthy, failing, now, config.autoDisableAfter());
            opened.clear();
            opened.addAll(config.breaker().record(tx, breakerOutcomes(attempted), now));
            // Last: the keys stay locked from here to the commit, and the router and other
            // workers wait for them.
            List<OrderedKeys.Key> advanced = new ArrayList<>();
            for (int i = 0; i < attempted.size(); i++) {
                ClaimedDelivery d = attempted.get(i).delivery();
                if (d.orderingKey() != null && settled.contains(d.deliveryId())
                        && finished(settlements.get(i))) {
                    advanced.add(new OrderedKeys.Key(d.endpointId(), d.orderingKey()));
                }
            }
            promoted[0] = OrderedKeys.promoteHeads(tx, advanced, now);
            return settled;
        });
        for (Completion c : batch) {
            probes.remove(c.delivery().deliveryId());
        }
        for (CircuitBreaker.Opened o : opened) {
            listener.breakerOpened(o.endpointId());
            log.warn("endpoint {}: circuit breaker open after {} consecutive failed attempts (opening {} in a row); "
                    + "its deliveries are held back without attempts until {}, then one probe goes",
                    o.endpointId(), o.consecutiveFailures(), o.openings(), o.until());
        }
        for (int i = 0; i < attempted.size(); i++) {
            Settlement s = settlements.get(i);
            String outcome = applied.contains(s.deliveryId()) ? s.state().sql() : TAKEN_OVER;
            logOutcome(attempted.get(i).delivery(), s, applied.contains(s.deliveryId()));
            listener.recorded(attempted.get(i).audit(), outcome);
        }
        return promoted[0] > 0;
    }

    /** Per endpoint: failures in the batch, whether one succeeded, whether its probe failed. */
    private List<CircuitBreaker.Outcome> breakerOutcomes(List<Attempted> attempted) {
        Map<Long, int[]> byEndpoint = new HashMap<>(); // failures, successes, failed probes
        for (Attempted a : attempted) {
            int[] counts = byEndpoint.computeIfAbsent(a.delivery().endpointId(), k -> new int[3]);
            if (a.result().succeeded()) {
                counts[1]++;
            } else {
                counts[0]++;
                if (probes.contains(a.delivery().deliveryId())) {
                    counts[2]++;
                }
            }
        }
        List<CircuitBreaker.Outcome> out = new ArrayList<>();
        byEndpoint.forEach((id, c) -> out.add(new CircuitBreaker.Outcome(id, c[0], c[1] > 0, c[2] > 0)));
        return out;
    }

    /**
     * Whether a settlement may let the next delivery of an ordered key go: a success always; a
     * failure for good when the endpoint's policy is to skip (promotion checks the policy).
     */
    private static boolean finished(Settlement s) {
        return s.state().finished();
    }

    private void logOutcome(ClaimedDelivery d, Settlement s, boolean applied) {
        // Successes log at debug: without it, the common case costs no MDC ids nor line.
        if (applied && s.state() == DeliveryState.SUCCEEDED && !log.isDebugEnabled()) {
            return;
        }
        try (DeliveryMdc ids = DeliveryMdc.of(d)) {
            logOutcomeLine(d, s, applied);
        }
    }

    private void logOutcomeLine(ClaimedDelivery d, Settlement s, boolean applied) {
        if (!applied) {
            log.info("{}: outcome audited but not applied: the lease was lost and another worker took the delivery "
                    + "over", d);
            return;
        }
        switch (s.state()) {
            case SUCCEEDED -> log.debug("{} succeeded (HTTP {})", d, s.status());
            case PENDING -> log.info("{} failed ({}); retry {} of {} at {}", d, s.error(),
                    d.attemptInBudget() + 1, config.retrySchedule().maxAttempts(), s.nextAttemptAt());
            case FAILED -> log.warn("{} failed ({}); that was attempt {} of {}: the delivery is "
                            + "failed until an operator replays it", d, s.error(), d.attemptInBudget(),
                    config.retrySchedule().maxAttempts());
            default -> throw new IllegalStateException("an attempt cannot settle as " + s.state().sql());
        }
    }
}
