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
 */
public record EndpointChanges(String url, List<String> eventTypes, String description) {

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
        if (url == null && eventTypes == null && description == null) {
            throw new IllegalArgumentException("nothing to change: give --url, --event-types or --description");
        }
    }

    /** What the operator should hear about, e.g. a plain-http URL. */
    public List<String> warnings() {
        return url == null ? List.of() : EndpointUrl.parse(url).warnings();
    }
}
