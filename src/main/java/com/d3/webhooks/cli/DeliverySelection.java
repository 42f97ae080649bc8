package com.d3.webhooks.cli;

import com.d3.webhooks.operations.DeliveryFilter;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Option;

/** The options that select deliveries, shared by 'deliveries list' and 'replay'. */
final class DeliverySelection {

    @Option(names = "--event", paramLabel = "EVENT_ID", description = "Only this event's deliveries (its UUID).")
    UUID eventId;

    @Option(names = "--endpoint", paramLabel = "ENDPOINT_ID", description = "Only deliveries to this endpoint.")
    Long endpointId;

    @Option(names = "--account", description = "Only this account's deliveries.")
    String account;

    @Option(names = "--type", paramLabel = "EVENT_TYPE", description = "Only this event type, e.g. fileTask.completed.")
    String type;

    @Option(names = "--since", paramLabel = "TIME", converter = Converters.InstantConverter.class,
            description = "Created at or after TIME: ISO-8601 (2025-06-01T12:00:00Z, 2025-06-01) or a duration "
                    + "ago (2h, 7d).")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = Converters.InstantConverter.class,
            description = "Created before TIME (same forms as --since).")
    Instant until;

    DeliveryFilter filter(List<Long> deliveryIds, List<String> states) {
        try {
            return new DeliveryFilter(deliveryIds, eventId, endpointId, account, type, since, until, states);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
