package com.d3.webhooks.delivery;

import com.d3.webhooks.endpoints.PausedDeliveries;
import com.d3.webhooks.ordering.OrderedKeys;
import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.audit.AuditLog;
import com.d3.webhooks.delivery.DeliveryRepository.Settlement;
import com.d3.webhooks.delivery.ExpiredLeases.LostAttempt;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease rescuer, run by the claim loop every half lease (at most every 10 s): any worker takes
 * back the deliveries whose worker died or stalled past its lease, and pauses or resumes the
 * deliveries of endpoints disabled or enabled since its last pass.
 */
final class LeaseRescuer {

    /** The worker's lines keep the logger name operators filter on. */
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final int RESCUE_BATCH = 500;
    /**
     * Payload text one rescue transaction may load: the lost attempt's audit row carries the body,
     * so each payload is held about four times (row, body, the audit statement's array and its
     * encoding). 4 Mi characters keep that near 16-32 MB; 500 payloads near the 256 KiB limit
     * would be 500 MB. Further batches follow at once.
     */
    private static final long RESCUE_PAYLOAD_CHARS = 4L * 1024 * 1024;

    private final DSLContext dsl;
    private final WorkerConfig config;
    private final DeliveryRepository deliveries;
    private final RetryPolicy retry;
    private final DeliveryListener listener;

    LeaseRescuer(DSLContext dsl, WorkerConfig config, DeliveryListener listener) {
        this.dsl = dsl;
        this.config = config;
        this.deliveries = new DeliveryRepository(dsl);
        this.retry = RetryPolicy.of(config);
        this.listener = listener;
    }

    /**
     * Deliveries that no worker moves on: those whose worker died (or stalled past its lease), whose
     * lost attempt is audited as failed and which are then due at once, or failed if that was their
     * last attempt; and those of endpoints disabled or enabled since the last pass, which are
     * paused or due again ({@link PausedDeliveries}).
     */
    void rescue(Instant now) {
        boolean more = true;
        while (more) {
            more = rescueBatch(now);
        }
        for (PausedDeliveries.Change c : PausedDeliveries.reconcile(dsl, now)) {
            log.info(c.paused() ? "endpoint {} is disabled: {} pending deliveries paused until it is enabled"
                    : "endpoint {} is enabled: {} paused deliveries due again", c.endpointId(), c.deliveries());
        }
    }

    /** One transaction of {@link #rescue}; true when a bound cut it short. */
    private boolean rescueBatch(Instant now) {
        ExpiredLeases expired = dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            ExpiredLeases batch = ExpiredLeases.lock(tx, RESCUE_BATCH, RESCUE_PAYLOAD_CHARS, now);
            List<LostAttempt> lost = batch.lost();
            List<AuditEntry> entries = new ArrayList<>();
            Map<String, List<Settlement>> byLostOwner = new HashMap<>();
            for (LostAttempt l : lost) {
                entries.add(DeliveryAttempt.lostAttemptEntry(l, config.workerId(), now));
                ClaimedDelivery d = l.delivery();
                String error = DeliveryAttempt.lostAttemptError(l);
                Settlement s = retry.lost(d, error, now);
                byLostOwner.computeIfAbsent(l.lostBy(), k -> new ArrayList<>()).add(s);
            }
            // This transaction holds every row's lock, so fencing on the lost owner cannot miss.
            byLostOwner.forEach((owner, settlements) -> deliveries.settle(tx, owner, settlements, now));
            AuditLog.append(tx, entries);
            // A lost last attempt fails its delivery for good: an ordered key may move on (skip policy).
            OrderedKeys.promoteHeads(tx, lost.stream()
                    .filter(l -> l.delivery().orderingKey() != null
                            && retry.lastInBudget(l.delivery()))
                    .map(l -> new OrderedKeys.Key(l.delivery().endpointId(), l.delivery().orderingKey()))
                    .toList(), now);
            return batch;
        });
        List<LostAttempt> rescued = expired.lost();
        if (!rescued.isEmpty()) {
            listener.rescued(rescued.size());
            for (LostAttempt l : rescued) {
                try (DeliveryMdc ids = DeliveryMdc.of(l.delivery())) {
                    log.info("{}: the lease of {} ran out at {} before it reported the attempt; the attempt is "
                            + "audited as lost and the delivery is {}", l.delivery(), l.lostBy(), l.leaseExpiredAt(),
                            retry.lastInBudget(l.delivery()) ? "failed (that was its last attempt)" : "due again now");
                }
            }
            log.warn("lease expired for {} deliveries held by {}; they are due again", rescued.size(),
                    rescued.stream().map(LostAttempt::lostBy).distinct().toList());
        }
        return expired.more();
    }
}
