package com.d3.webhooks.delivery;

import com.d3.webhooks.audit.AuditEntry;
import java.time.Instant;

/** What a sender thread hands back for one claimed delivery. */
sealed interface Completion {

    ClaimedDelivery delivery();

    /** An attempt was made (or refused before sending): audited, then the delivery settles. */
    record Attempted(ClaimedDelivery delivery, AuditEntry audit, AttemptResult result) implements Completion {
    }

    /** No attempt was made; the delivery goes back to pending, due at {@code dueAt}. */
    record Released(ClaimedDelivery delivery, String note, Instant dueAt) implements Completion {
    }
}
