package com.d3.webhooks.network;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Objects;

/**
 * A webhook URL as a customer registers it, checked for shape only; whether its host may be
 * contacted is {@link DestinationPolicy}'s decision at delivery time, when DNS is current.
 * Messages never repeat the URL, which may carry credentials or tokens.
 */
public final class EndpointUrl {

    public static final int MAX_LENGTH = 2000;
    static final String EXPECTED = "expected an absolute http:// or https:// URL with a host, without "
            + "user:password@, at most " + MAX_LENGTH + " characters, e.g. https://example.com/webhooks";
    static final String PLAIN_HTTP_WARNING = "plain http: payloads and signatures can be read and "
            + "replayed on the way; prefer https";

    private final URI uri;
    private final List<String> warnings;

    private EndpointUrl(URI uri, List<String> warnings) {
        this.uri = uri;
        this.warnings = warnings;
    }

    /** @throws IllegalArgumentException saying what is wrong and what would be valid */
    public static EndpointUrl parse(String text) {
        Objects.requireNonNull(text, "endpoint URL");
        if (text.isBlank()) {
            throw invalid("is empty");
        }
        if (text.length() > MAX_LENGTH) {
            throw invalid("is " + text.length() + " characters long");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid("is not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")");
        }
        if (!uri.isAbsolute()) {
            throw invalid("is relative");
        }
        boolean plainHttp = uri.getScheme().equalsIgnoreCase("http");
        if (!plainHttp && !uri.getScheme().equalsIgnoreCase("https")) {
            throw invalid("has scheme '" + uri.getScheme() + "'");
        }
        if (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
            throw invalid("carries user-info (user:password@); authenticate with the webhook signature instead");
        }
        if (uri.getHost() == null) {
            throw invalid("has no valid host (a DNS name, a dotted IPv4 address or a bracketed IPv6 address)");
        }
        return new EndpointUrl(uri, plainHttp ? List.of(PLAIN_HTTP_WARNING) : List.of());
    }

    public URI uri() {
        return uri;
    }

    /** Accepted but worth telling the customer, e.g. plain http. */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public String toString() {
        return uri.toString();
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException("endpoint URL " + problem + ": " + EXPECTED);
    }
}
