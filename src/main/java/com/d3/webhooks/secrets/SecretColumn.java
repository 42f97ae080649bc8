package com.d3.webhooks.secrets;

/**
 * The columns of webhook_endpoints that hold a secret. A sealed value is bound to its column (and
 * endpoint), so it opens only where it was sealed.
 */
public enum SecretColumn {
    /** The secret that signs every request. */
    SECRET("secret"),
    /** The secret before the last rotation, which also signs until previous_secret_expires_at. */
    PREVIOUS_SECRET("previous_secret"),
    /** The private key of the endpoint's client certificate (PEM), presented in TLS handshakes. */
    CLIENT_KEY("client_key"),
    /** The Ed25519 private key ({@code whsk_...}) that signs v1a entries. */
    SIGNING_KEY("signing_key"),
    /** The signing key before the last rotation, which also signs until previous_signing_key_expires_at. */
    PREVIOUS_SIGNING_KEY("previous_signing_key");

    private final String columnName;

    SecretColumn(String columnName) {
        this.columnName = columnName;
    }

    /** The column a rotation moves values from into this one; null when none does. */
    SecretColumn rotatedFrom() {
        return switch (this) {
            case PREVIOUS_SECRET -> SECRET;
            case PREVIOUS_SIGNING_KEY -> SIGNING_KEY;
            default -> null;
        };
    }

    public String columnName() {
        return columnName;
    }
}
