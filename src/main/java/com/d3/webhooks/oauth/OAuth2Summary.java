package com.d3.webhooks.oauth;

/**
 * An endpoint's OAuth2 client credentials as operators see them: everything but the client secret,
 * of which only how it is stored.
 *
 * @param clientSecretKeyId the id of the key that sealed the client secret; null when it is plain text
 */
public record OAuth2Summary(String tokenUrl, String clientId, String scope, String audience,
                            boolean clientSecretSealed, String clientSecretKeyId) {

    /** "sealed (key 1a2b3c4d)" or "plain text". */
    public String clientSecretStorage() {
        return clientSecretSealed ? "sealed (key " + clientSecretKeyId + ")" : "plain text";
    }
}
