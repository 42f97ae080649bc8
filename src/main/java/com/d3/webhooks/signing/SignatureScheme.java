package com.d3.webhooks.signing;

/** The signature formats a delivery carries, each named by the header that holds it. */
public enum SignatureScheme {
    /** standardwebhooks.com: {@code webhook-signature: v1,<base64> ...} over id, timestamp and body. */
    STANDARD_WEBHOOKS(SignatureHeaders.WEBHOOK_SIGNATURE),
    /** GitHub style: {@code X-D3-Signature: sha256=<hex>} over the body alone. */
    D3_SIGNATURE(SignatureHeaders.D3_SIGNATURE);

    private final String header;

    SignatureScheme(String header) {
        this.header = header;
    }

    public String header() {
        return header;
    }
}
