package com.d3.webhooks.oauth;

/**
 * No access token for this attempt; the message says why in one line for the audit row, and never
 * holds a secret, a token or the token endpoint's response body.
 */
public final class TokenUnavailable extends Exception {

    public TokenUnavailable(String message) {
        super(message, null, false, false);
    }
}
