package com.d3.webhooks.outbox;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;

import com.d3.webhooks.tracing.TraceContextColumns;
import java.sql.Connection;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The outbox contract for applications on the JVM: one INSERT on the caller's connection, so
 * the event commits or rolls back with the caller's own transaction. Equivalent SQL:
 * <pre>
 * INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES ($1, $2, $3::jsonb)
 * </pre>
 * The worker validates every row again (the table is also written by plain SQL), so a row this
 * class would refuse still ends in a recorded state rather than being lost.
 *
 * <p>When an OpenTelemetry span is current, its W3C trace context goes into the same row
 * (traceparent, tracestate), so the worker's attempts and the receiver continue the caller's
 * trace. Only the OpenTelemetry API is used: without an SDK no span is current and nothing is written.
 */
public final class Outbox {

    /**
     * The channel workers started with {@code --listen} wait on. A notification only wakes them
     * early: polling still finds every event, so a lost or absent notification delays, never drops.
     */
    public static final String WAKEUP_CHANNEL = "webhook_outbox";

    private Outbox() {
    }

    /**
     * Inserts the event in the caller's transaction, with the current trace context if any.
     * Returns its event id, or empty when an event with the same {@code eventId} already exists
     * (an idempotent re-insert).
     */
    public static Optional<UUID> insert(DSLContext tx, OutboxEvent event) {
        var values = tx.insertInto(WEBHOOK_OUTBOX)
                .set(WEBHOOK_OUTBOX.ACCOUNT_ID, event.accountId())
                .set(WEBHOOK_OUTBOX.EVENT_TYPE, event.eventType())
                .set(WEBHOOK_OUTBOX.PAYLOAD, JSONB.jsonb(event.payloadJson()));
        if (event.eventId() != null) {
            values = values.set(WEBHOOK_OUTBOX.EVENT_ID, event.eventId());
        }
        if (event.occurredAt() != null) {
            values = values.set(WEBHOOK_OUTBOX.OCCURRED_AT, event.occurredAt());
        }
        if (event.orderingKey() != null) {
            values = values.set(WEBHOOK_OUTBOX.ORDERING_KEY, event.orderingKey());
        }
        TraceContextColumns trace = TraceContextColumns.current();
        if (trace != null) {
            values = values.set(WEBHOOK_OUTBOX.TRACEPARENT, trace.traceparent())
                    .set(WEBHOOK_OUTBOX.TRACESTATE, trace.tracestate());
        }
        return values.onConflict(WEBHOOK_OUTBOX.EVENT_ID).doNothing()
                .returning(WEBHOOK_OUTBOX.EVENT_ID)
                .fetchOptional()
                .map(r -> r.get(WEBHOOK_OUTBOX.EVENT_ID));
    }

    /** The same on a plain JDBC connection; the caller owns commit and rollback. */
    public static Optional<UUID> insert(Connection connection, OutboxEvent event) {
        return insert(DSL.using(connection, SQLDialect.POSTGRES), event);
    }

    /**
     * Optional, after {@link #insert}: wakes listening workers when the caller's transaction
     * commits (PostgreSQL delivers notifications at commit, and not at all on rollback), so the
     * event goes out without waiting for the next poll. Several calls in one transaction send one
     * notification. The cost: PostgreSQL serialises the commits of notifying transactions on a
     * database-wide lock, so applications inserting thousands of events per second should poll
     * instead (README, "Waking workers at once").
     */
    public static void wakeWorkers(DSLContext tx) {
        tx.execute("NOTIFY " + WAKEUP_CHANNEL);
    }

    /** The same on a plain JDBC connection. */
    public static void wakeWorkers(Connection connection) {
        wakeWorkers(DSL.using(connection, SQLDialect.POSTGRES));
    }
}
