package com.d3.webhooks.testing;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_LOGS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;

import com.d3.webhooks.db.schema.tables.records.WebhookAuditLogsRecord;
import com.d3.webhooks.db.schema.tables.records.WebhookDeliveriesRecord;
import com.d3.webhooks.delivery.DeliveryListener;
import com.d3.webhooks.delivery.RetrySchedule;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.delivery.WorkerConfig;
import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.endpoints.NewEndpoint;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;
import org.jooq.DSLContext;

/** Rows in any state, and workers configured for tests (loopback allowed, short timeouts). */
public final class Fixtures {

    private final DSLContext dsl;

    public Fixtures(DSLContext dsl) {
        this.dsl = dsl;
    }

    public long endpoint(String account, String url, String secret, String... eventTypes) {
        return new EndpointRepository(dsl).add(new NewEndpoint(account, url, secret, List.of(eventTypes), null));
    }

    public UUID event(String account, String type, String payloadJson) {
        return Outbox.insert(dsl, OutboxEvent.of(account, type, payloadJson)).orElseThrow();
    }

    public UUID keyedEvent(String account, String type, String payloadJson, String orderingKey) {
        return Outbox.insert(dsl, OutboxEvent.of(account, type, payloadJson).withOrderingKey(orderingKey))
                .orElseThrow();
    }

    /** {@code count} events of {@code account} in one transaction, with the payloads {"n": 0} and on. */
    public void numberedEvents(String account, int count) {
        numberedEvents(account, count, n -> null);
    }

    /** As {@link #numberedEvents(String, int)}, event n with the ordering key {@code orderingKey.apply(n)}. */
    public void numberedEvents(String account, int count, IntFunction<String> orderingKey) {
        dsl.transaction(cfg -> {
            for (int n = 0; n < count; n++) {
                Outbox.insert(cfg.dsl(), OutboxEvent.of(account, "fileTask.completed", "{\"n\": " + n + "}")
                        .withOrderingKey(orderingKey.apply(n)));
            }
        });
    }

    public long orderedEndpoint(String account, String url, String secret) {
        long id = endpoint(account, url, secret);
        new EndpointRepository(dsl).setOrdered(id, true, Instant.now());
        return id;
    }

    public static WorkerConfig.Builder testConfig(String workerId) {
        return WorkerConfig.builder(workerId)
                .allowPrivateNetwork(true)
                .concurrency(8)
                // Most tests use one endpoint; EndpointIsolationTest exercises the cap itself.
                .maxInFlightPerEndpoint(64)
                // Many tests fail one endpoint on purpose; CircuitBreakerTest exercises the breaker.
                .breaker(CircuitBreaker.OFF)
                .connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(3))
                .lease(Duration.ofSeconds(30))
                .retrySchedule(RetrySchedule.parse("10s,1m", 0));
    }

    public Worker worker(WorkerConfig config, Clock clock) {
        return new Worker(dsl, config, clock, DeliveryListener.NONE);
    }

    public List<WebhookDeliveriesRecord> deliveries() {
        return dsl.selectFrom(WEBHOOK_DELIVERIES).orderBy(WEBHOOK_DELIVERIES.ID).fetch();
    }

    public WebhookDeliveriesRecord delivery(long id) {
        return dsl.selectFrom(WEBHOOK_DELIVERIES).where(WEBHOOK_DELIVERIES.ID.eq(id)).fetchSingle();
    }

    public List<WebhookAuditLogsRecord> audit() {
        return dsl.selectFrom(WEBHOOK_AUDIT_LOGS)
                .orderBy(WEBHOOK_AUDIT_LOGS.DELIVERY_ID, WEBHOOK_AUDIT_LOGS.ATTEMPT_NUMBER).fetch();
    }
}
