package com.d3.webhooks.delivery;

import com.d3.webhooks.audit.AuditEntry;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Instant;

/** What a sender thread hands back for one claimed delivery. */
sealed interface Completion {

    ClaimedDelivery delivery();

    /**
     * An attempt was made (or refused before sending): audited, then the delivery settles.
     * {@code span}: the attempt's span, which the recording span links; invalid when untraced.
     */
    record Attempted(ClaimedDelivery delivery, AuditEntry audit, AttemptResult result, SpanContext span)
            implements Completion {

        Attempted(ClaimedDelivery delivery, AuditEntry audit, AttemptResult result) {
            this(delivery, audit, result, SpanContext.getInvalid());
        }
    }

    /** No attempt was made; the delivery goes back to pending, due at {@code dueAt}. */
    record Released(ClaimedDelivery delivery, String note, Instant dueAt) implements Completion {
    }
}
