package com.d3.webhooks.endpoints;

/**
 * A static header as operators see it: its name and how its value is stored, never the value.
 *
 * @param keyId the id of the key that sealed the value; null when it is plain text
 */
public record StaticHeader(String name, boolean sealed, String keyId) {

    /** "sealed (key 1a2b3c4d)" or "plain text". */
    public String storage() {
        return sealed ? "sealed (key " + keyId + ")" : "plain text";
    }
}
