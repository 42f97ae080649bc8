package com.d3.webhooks.observability;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import com.d3.webhooks.state.DeliveryState;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record3;
import org.jooq.impl.DSL;

/**
 * The database-wide figures operators alert on: deliveries due now, the age of the oldest due
 * one (the lag), and endpoints disabled. Read with one query at most every few seconds, however
 * often Prometheus scrapes, so a tight scrape interval does not load the database.
 */
public final class BacklogGauges {

    private static final Duration CACHE = Duration.ofSeconds(5);

    private final DSLContext dsl;
    private final Clock clock;
    private Instant readAt = Instant.MIN;
    private long due;
    private double oldestDueAgeSeconds;
    private long endpointsDisabled;

    public BacklogGauges(DSLContext dsl, Clock clock, MeterRegistry registry) {
        this.dsl = dsl;
        this.clock = clock;
        // Strong references: callers do not keep this object, and a registry holds gauge state weakly.
        Gauge.builder("outbox.deliveries.due", this, g -> g.read().due).strongReference(true)
                .description("Deliveries pending and due now, in the whole database").register(registry);
        Gauge.builder("outbox.oldest.due.age", this, g -> g.read().oldestDueAgeSeconds).strongReference(true)
                .description("How long the oldest due delivery has been due: the lag").baseUnit("seconds")
                .register(registry);
        Gauge.builder("outbox.endpoints.disabled", this, g -> g.read().endpointsDisabled).strongReference(true)
                .description("Endpoints currently disabled").register(registry);
    }

    private synchronized BacklogGauges read() {
        Instant now = clock.instant();
        if (Duration.between(readAt, now).compareTo(CACHE) < 0) {
            return this;
        }
        var d = WEBHOOK_DELIVERIES;
        var e = WEBHOOK_ENDPOINTS;
        Condition pending = d.STATE.eq(DeliveryState.PENDING.sql());
        Record3<Integer, OffsetDateTime, Integer> r = dsl.select(
                        DSL.field(DSL.selectCount().from(d).where(pending)
                                .and(d.NEXT_ATTEMPT_AT.le(now.atOffset(java.time.ZoneOffset.UTC)))),
                        DSL.field(DSL.select(DSL.min(d.NEXT_ATTEMPT_AT)).from(d).where(pending)),
                        DSL.field(DSL.selectCount().from(e).where(e.ENABLED.isFalse())))
                .fetchSingle();
        due = r.value1();
        oldestDueAgeSeconds = r.value2() == null || r.value2().toInstant().isAfter(now) ? 0
                : Duration.between(r.value2().toInstant(), now).toMillis() / 1000.0;
        endpointsDisabled = r.value3();
        readAt = now;
        return this;
    }
}
