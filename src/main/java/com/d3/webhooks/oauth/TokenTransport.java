package com.d3.webhooks.oauth;

import java.net.URI;
import java.util.Map;

/**
 * Sends the token request: the worker's own HTTP client, address policy and proxy, so a token URL
 * can reach nothing a webhook could not.
 */
@FunctionalInterface
public interface TokenTransport {

    /** POSTs {@code form} to {@code tokenUrl} before {@code deadline}, reading at most {@code maxBodyBytes}. */
    Answer post(URI tokenUrl, Map<String, String> headers, byte[] form, int maxBodyBytes, Deadline deadline);

    /**
     * The token endpoint's response, or why there was none.
     *
     * @param status  the HTTP status of a complete response; null when {@code failure} is set
     * @param body    the response body as text (at most the bound), null when none
     * @param failure one line naming host and port and what went wrong, never the request's content
     */
    record Answer(Integer status, String body, String failure) {

        public static Answer failed(String failure) {
            return new Answer(null, null, failure);
        }
    }
}
