package com.d3.webhooks.delivery;

import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.HeaderRules;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretSealer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The static headers of a claimed delivery's endpoint, opened and checked for one attempt by the
 * rules of the table's CHECKs and the limits it cannot check. A row the dashboard wrote past them
 * fails the attempt with the reason, rather than reaching the HTTP client, whose own error would
 * quote the value.
 */
final class StaticHeaders {

    private final OpenedValues<String> values;

    StaticHeaders(SecretSealer sealer) {
        this.values = new OpenedValues<>(sealer, Function.identity());
    }

    /**
     * Name to value, in the order they were added; a new map the caller may add to.
     *
     * @throws IllegalArgumentException naming the header and what is wrong with it, never its value
     */
    Map<String, String> open(ClaimedDelivery d) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<EndpointHeader> opened = new ArrayList<>(d.credentials().headers().size());
        for (EndpointHeader stored : d.credentials().headers()) {
            EndpointHeader h = new EndpointHeader(stored.name(),
                    values.get(SealedPlace.header(d.endpointId(), stored.name()), stored.value()));
            h.validate();
            opened.add(h);
            headers.put(h.name(), h.value());
        }
        String problem = HeaderRules.limitsProblem(opened);
        if (problem != null) {
            throw new IllegalArgumentException("endpoint " + d.endpointId() + " has " + problem);
        }
        return headers;
    }
}
