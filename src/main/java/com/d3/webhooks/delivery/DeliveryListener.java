package com.d3.webhooks.delivery;

import com.d3.webhooks.audit.AuditEntry;

/** Told about each recorded attempt, after it is committed (the demo prints a line for each). */
@FunctionalInterface
public interface DeliveryListener {

    DeliveryListener NONE = (entry, settledAs) -> { };

    /** {@code settledAs}: succeeded, retrying, failed, or taken over (the fence matched no row). */
    void recorded(AuditEntry entry, String settledAs);
}
