package com.d3.webhooks.network;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A webhook URL as a customer registers it, checked for shape only; whether its host may be
 * contacted is {@link DestinationPolicy}'s decision at delivery time, when DNS is current.
 * Whatever this accepts, webhook_endpoints' CHECK constraints accept too (it adds a valid host),
 * so a command never meets a constraint error for a URL. Messages never repeat the URL, which may
 * carry credentials or tokens; {@link #redact} gives the part that may be logged.
 */
public final class EndpointUrl {

    public static final int MAX_LENGTH = 2000;
    static final String EXPECTED = "expected an absolute http:// or https:// URL with a host, without "
            + "user:password@, at most " + MAX_LENGTH + " characters, e.g. https://example.com/webhooks";
    /** webhook_endpoints_url_shape_check, as written in migration V3. */
    private static final Pattern TABLE_SHAPE = Pattern.compile("^https?://[^\\s/?#@]+([/?#]\\S*)?$",
            Pattern.UNICODE_CHARACTER_CLASS);
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
        boolean plainHttp = uri.getScheme().equals("http");
        if (!plainHttp && !uri.getScheme().equals("https")) {
            if (uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https")) {
                throw new IllegalArgumentException("endpoint URL has scheme '" + uri.getScheme()
                        + "': write it in lower case, https:// or http://");
            }
            throw invalid("has scheme '" + uri.getScheme() + "'");
        }
        if (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
            throw invalid("carries user-info (user:password@); authenticate with the webhook signature instead");
        }
        if (uri.getHost() == null) {
            throw invalid("has no valid host (a DNS name, a dotted IPv4 address or a bracketed IPv6 address)");
        }
        if (!TABLE_SHAPE.matcher(text).matches()) {
            throw invalid("does not have the shape webhook_endpoints requires (" + TABLE_SHAPE.pattern() + ")");
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

    /**
     * Scheme, host, port and path of a stored URL, for logs, events and shared output: no query,
     * fragment or user-info, where customers put tokens and passwords. Works on any text, since a
     * row written by SQL may not parse.
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String s = url;
        int end = s.length();
        for (char c : new char[] {'?', '#'}) {
            int at = s.indexOf(c);
            end = at >= 0 ? Math.min(end, at) : end;
        }
        s = s.substring(0, end);
        int authority = s.indexOf("://");
        if (authority >= 0) {
            authority += 3;
            int path = s.indexOf('/', authority);
            int userInfo = s.lastIndexOf('@', path < 0 ? s.length() - 1 : path - 1);
            if (userInfo >= authority) {
                s = s.substring(0, authority) + s.substring(userInfo + 1);
            }
        }
        return s;
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException("endpoint URL " + problem + ": " + EXPECTED);
    }
}
