package com.d3.webhooks.endpoints;

import com.d3.webhooks.network.EndpointUrl;
import com.d3.webhooks.outbox.EventTypes;
import java.util.List;

/**
 * What {@code endpoints update} changes; a null component keeps the column as it is. Validated
 * on creation like {@link NewEndpoint}.
 *
 * @param url         a new absolute http(s) URL
 * @param eventTypes  the new list of wanted types; empty means every type
 * @param description a new note for operators
 * @param maxInFlight a new cap on requests in flight per worker, or {@link #DEFAULT_MAX_IN_FLIGHT}
 *                    to follow the worker's --max-in-flight-per-endpoint again
 */
public record EndpointChanges(String url, List<String> eventTypes, String description, Integer maxInFlight) {

    /** As {@code maxInFlight}: clear the endpoint's own cap, so the worker's setting applies. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 0;

    public EndpointChanges {
        if (url != null) {
            EndpointUrl.parse(url);
        }
        if (eventTypes != null) {
            eventTypes = List.copyOf(eventTypes);
            for (String type : eventTypes) {
                String problem = EventTypes.problem(type);
                if (problem != null) {
                    throw new IllegalArgumentException(problem);
                }
            }
        }
        if (maxInFlight != null && maxInFlight < DEFAULT_MAX_IN_FLIGHT) {
            throw new IllegalArgumentException("max in flight must be at least 1, or 'default' (got " + maxInFlight
                    + ")");
        }
        if (url == null && eventTypes == null && description == null && maxInFlight == null) {
            throw new IllegalArgumentException(
                    "nothing to change: give --url, --event-types, --description or --max-in-flight");
        }
    }

    /** Changes of URL, event types or description only. */
    public EndpointChanges(String url, List<String> eventTypes, String description) {
        this(url, eventTypes, description, null);
    }

    /** What the operator should hear about, e.g. a plain-http URL. */
    public List<String> warnings() {
        return url == null ? List.of() : EndpointUrl.parse(url).warnings();
    }
}
