package com.d3.webhooks.network;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * The HTTP forward proxy every delivery leaves through (Smokescreen and the like): plain
 * {@code http://} requests go to it in absolute form, {@code https://} ones through
 * {@code CONNECT}. The proxy resolves customers' names, so it is where the address policy is
 * enforced; the worker judges only addresses written in URLs.
 */
public record EgressProxy(String host, int port) {

    static final String EXPECTED = "expected http://HOST:PORT, the address of an HTTP forward proxy, "
            + "e.g. http://smokescreen.internal:4750";

    /** @throws IllegalArgumentException saying what is wrong (never repeating the text: it may hold credentials) */
    public static EgressProxy parse(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw invalid("is not a valid URL");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw invalid("must start with http:// (the worker speaks plain HTTP to the proxy; https:// endpoints "
                    + "are tunnelled with CONNECT)");
        }
        if (uri.getRawUserInfo() != null) {
            throw invalid("must not carry user:password@ (proxy authentication is not supported)");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw invalid("needs a host and a port");
        }
        if (!(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw invalid("must be only scheme, host and port");
        }
        return new EgressProxy(uri.getHost(), uri.getPort());
    }

    /** Every request to this proxy, whatever its host: no JVM-wide selector or proxy property applies. */
    public ProxySelector selector() {
        // Unresolved: the proxy's name is looked up when the client connects, as DNS says then.
        return ProxySelector.of(InetSocketAddress.createUnresolved(host, port));
    }

    @Override
    public String toString() {
        return "http://" + host + ":" + port;
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException("egress proxy " + problem + ": " + EXPECTED);
    }
}
