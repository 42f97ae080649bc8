package com.d3.webhooks.observability;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.jooq.DSLContext;
import org.jooq.Record3;

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
        Record3<Long, OffsetDateTime, Long> r = dsl.resultQuery("""
                SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= {0}),
                       (SELECT min(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'),
                       (SELECT count(*) FROM webhook_endpoints WHERE NOT enabled)""",
                        org.jooq.impl.DSL.val(now.atOffset(java.time.ZoneOffset.UTC)))
                .coerce(org.jooq.impl.DSL.field("due", Long.class), org.jooq.impl.DSL.field("oldest",
                        OffsetDateTime.class), org.jooq.impl.DSL.field("disabled", Long.class))
                .fetchSingle();
        due = r.value1();
        oldestDueAgeSeconds = r.value2() == null || r.value2().toInstant().isAfter(now) ? 0
                : Duration.between(r.value2().toInstant(), now).toMillis() / 1000.0;
        endpointsDisabled = r.value3();
        readAt = now;
        return this;
    }
}
