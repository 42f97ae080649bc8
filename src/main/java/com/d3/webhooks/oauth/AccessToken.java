package com.d3.webhooks.oauth;

import java.time.Instant;

/**
 * An access token and when to stop using it. {@link #toString()} leaves the token out.
 *
 * @param refreshAt from then on a new token is fetched before a request
 */
public record AccessToken(String value, Instant refreshAt) {

    /** The Authorization header's value (RFC 6750 section 2.1). */
    public String bearer() {
        return "Bearer " + value;
    }

    @Override
    public String toString() {
        return "access token (refreshed at " + refreshAt + ")";
    }
}
