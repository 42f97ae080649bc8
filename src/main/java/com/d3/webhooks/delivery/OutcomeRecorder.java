package com.d3.webhooks.delivery;

import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.ordering.OrderedKeys;
import com.d3.webhooks.audit.AuditEntry;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what became of a batch of claimed deliveries, atomically: an audit row per attempt, the
 * fenced settlement the {@link RetryPolicy} decides for each, the releases of deliveries not
 * attempted, the endpoints' health and breakers, the disables, and last the promotion of ordered
 * keys whose head finished. Only then are the batch's slots free again. The common batch (see
 * {@link #common}) is one statement in autocommit ({@link RecordStatement}); any other is one
 * short transaction that starts with that statement.
 */
final class OutcomeRecorder {

    /** The worker's lines keep the logger name operators filter on. */
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final DSLContext dsl;
    private final WorkerConfig config;
    private final Clock clock;
    private final DeliveryRepository deliveries;
    private final RecordStatement statement;
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
        this.statement = new RecordStatement(config);
        this.retry = RetryPolicy.of(config);
        this.listener = listener;
    }

    /** These deliveries go as the probes of half-open breakers: their failure reopens the breaker. */
    void probing(Collection<Long> deliveryIds) {
        probes.addAll(deliveryIds);
    }

    /**
     * Audits every attempt and settles every delivery of the batch, atomically; gives back
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
        List<AuditEntry> audits = attempted.stream().map(Attempted::audit).toList();
        List<CircuitBreaker.Outcome> outcomes = endpointOutcomes(attempted);
        RecordStatement.Result recorded = common(attempted, releases)
                ? statement.run(dsl, true, audits, settlements, outcomes, now)
                : null;
        int promoted = 0;
        if (recorded == null || !recorded.applied()) {
            Transacted t = dsl.transactionResult(cfg -> transacted(cfg.dsl(), now, attempted, releases, settlements,
                    audits, outcomes));
            recorded = t.recorded();
            promoted = t.promoted();
        }
        for (Completion c : batch) {
            probes.remove(c.delivery().deliveryId());
        }
        for (CircuitBreaker.Opened o : recorded.opened()) {
            listener.breakerOpened(o.endpointId());
            log.warn("endpoint {}: circuit breaker open after {} consecutive failed attempts (opening {} in a row); "
                    + "its deliveries are held back without attempts until {}, then one probe goes",
                    o.endpointId(), o.consecutiveFailures(), o.openings(), o.until());
        }
        Set<Long> applied = recorded.settled();
        for (int i = 0; i < attempted.size(); i++) {
            Settlement s = settlements.get(i);
            String outcome = applied.contains(s.deliveryId()) ? s.state().sql() : TAKEN_OVER;
            logOutcome(attempted.get(i).delivery(), s, applied.contains(s.deliveryId()));
            listener.recorded(attempted.get(i).audit(), outcome);
        }
        return promoted > 0;
    }

    /**
     * A batch the record statement writes all of, on its own in autocommit: attempts only, none of
     * an ordered key, none answered 410 Gone. It still holds back, writing nothing, when an
     * endpoint is to be disabled for failing too long.
     */
    private static boolean common(List<Attempted> attempted, List<Released> releases) {
        return releases.isEmpty() && !attempted.isEmpty() && attempted.stream()
                .noneMatch(a -> a.delivery().orderingKey() != null || a.result().gone());
    }

    private record Transacted(RecordStatement.Result recorded, int promoted) {
    }

    /** Any batch, in one transaction: the releases, the record statement, the disables, the promotions. */
    private Transacted transacted(DSLContext tx, Instant now, List<Attempted> attempted, List<Released> releases,
                                  List<Settlement> settlements, List<AuditEntry> audits,
                                  List<CircuitBreaker.Outcome> outcomes) {
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
        RecordStatement.Result recorded = attempted.isEmpty()
                ? new RecordStatement.Result(true, Set.of(), List.of(), Map.of())
                : statement.run(tx, false, audits, settlements, outcomes, now);
        for (Attempted a : attempted) {
            if (a.result().gone()) {
                EndpointHealth.disableGone(tx, a.delivery().endpointId(), now);
            }
        }
        recorded.failingTooLong().forEach((id, since) ->
                EndpointHealth.disableFailing(tx, id, since, now, config.autoDisableAfter()));
        // Last: the keys stay locked from here to the commit, and the router and other
        // workers wait for them.
        List<OrderedKeys.Key> advanced = new ArrayList<>();
        for (int i = 0; i < attempted.size(); i++) {
            ClaimedDelivery d = attempted.get(i).delivery();
            if (d.orderingKey() != null && recorded.settled().contains(d.deliveryId())
                    && finished(settlements.get(i))) {
                advanced.add(new OrderedKeys.Key(d.endpointId(), d.orderingKey()));
            }
        }
        return new Transacted(recorded, OrderedKeys.promoteHeads(tx, advanced, now));
    }

    /** Per endpoint: failures in the batch, whether one succeeded, whether its probe failed. */
    private List<CircuitBreaker.Outcome> endpointOutcomes(List<Attempted> attempted) {
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
