package com.d3.webhooks.secrets;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a sealed value lives: an endpoint's secret column, one of its static headers, or its
 * OAuth2 client secret. Its
 * binding is the AES-GCM additional data of a v2 value, so a value sealed for one place does not
 * open in another. Two places are equal when their bindings are.
 */
public final class SealedPlace {

    private final long endpointId;
    private final String binding;
    private final String what;
    private final String kind;
    private final SealedPlace alsoOpensAs;

    private SealedPlace(long endpointId, String binding, String what, String kind, SealedPlace alsoOpensAs) {
        this.endpointId = endpointId;
        this.binding = binding;
        this.what = what;
        this.kind = kind;
        this.alsoOpensAs = alsoOpensAs;
    }

    /**
     * A secret column of an endpoint. A value sealed for {@code secret} also opens in
     * {@code previous_secret} of the same endpoint (and {@code signing_key}'s in
     * {@code previous_signing_key}): that is how a rotation moves it.
     */
    public static SealedPlace of(long endpointId, SecretColumn column) {
        SealedPlace fallback = column.rotatedFrom() == null ? null : of(endpointId, column.rotatedFrom());
        return new SealedPlace(endpointId, "d3-webhook-outbox:webhook_endpoints:" + endpointId + ":"
                + column.columnName() + ":v2", column.columnName(), "column", fallback);
    }

    /** A static header of an endpoint; header names are case-insensitive, and so is the binding. */
    public static SealedPlace header(long endpointId, String name) {
        return new SealedPlace(endpointId, "d3-webhook-outbox:webhook_endpoint_headers:" + endpointId + ":"
                + name.toLowerCase(Locale.ROOT) + ":v2", "header " + name, "header", null);
    }

    /** The OAuth2 client secret of an endpoint (webhook_endpoint_oauth2.client_secret). */
    public static SealedPlace oauth2ClientSecret(long endpointId) {
        return new SealedPlace(endpointId, "d3-webhook-outbox:webhook_endpoint_oauth2:" + endpointId
                + ":client_secret:v2", "OAuth2 client secret", "column", null);
    }

    public long endpointId() {
        return endpointId;
    }

    /** "secret", "previous_secret", "signing_key", "header X-Api-Key" or "OAuth2 client secret": never the value. */
    public String what() {
        return what;
    }

    /** What else a value could have been sealed for: "column" or "header". */
    String kind() {
        return kind;
    }

    /** Another place whose values open here too. */
    Optional<SealedPlace> alsoOpensAs() {
        return Optional.ofNullable(alsoOpensAs);
    }

    byte[] additionalData() {
        return binding.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealedPlace p && p.binding.equals(binding);
    }

    @Override
    public int hashCode() {
        return binding.hashCode();
    }

    @Override
    public String toString() {
        return "the " + what + " of endpoint " + endpointId;
    }
}
