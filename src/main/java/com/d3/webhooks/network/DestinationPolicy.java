package com.d3.webhooks.network;

import com.d3.webhooks.network.DestinationCheck.Verdict;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Decides whether the delivery worker may contact a customer's URL, so that nobody can register
 * an endpoint that makes the worker call into our own network (SSRF): the host is resolved and
 * refused when <em>any</em> of its addresses is not public (see {@link AddressRanges}). Hosts
 * written as numbers are judged as the address they denote and never sent to DNS (ambiguous ones
 * are refused); IPv6 literals are judged as written.
 * <p>
 * This check gives the attempt its clear error. The guarantee is {@link DeliveryResolver}: the
 * HTTP client resolves the name again when it connects, and that lookup is judged by the same
 * rules, so a DNS answer that changes in between (rebinding) reaches no connection. Behind an
 * egress proxy names are not resolved here at all (the proxy resolves and judges them); only
 * addresses written in the URL are. The worker never follows redirects, so a redirect to an
 * internal address is only a failed attempt.
 */
public final class DestinationPolicy {

    public static final String ALLOW_HINT = "use --allow-private-network to permit";

    private final boolean allowPrivateNetwork;
    /** Null behind an egress proxy: names are the proxy's to resolve. */
    private final HostResolver resolver;

    /**
     * @param allowPrivateNetwork permit every address, loopback included: for tests, the demo and
     *                            installations whose receivers are deliberately on an internal network
     */
    public DestinationPolicy(boolean allowPrivateNetwork, HostResolver resolver) {
        this.allowPrivateNetwork = allowPrivateNetwork;
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    private DestinationPolicy(boolean allowPrivateNetwork) {
        this.allowPrivateNetwork = allowPrivateNetwork;
        this.resolver = null;
    }

    /**
     * The worker's policy: names resolved by the system resolver within {@code lookupBound}, or,
     * with a proxy, not resolved at all.
     */
    public static DestinationPolicy forDeliveries(boolean allowPrivateNetwork, EgressProxy proxy,
                                                  Duration lookupBound) {
        return proxy != null ? new DestinationPolicy(allowPrivateNetwork)
                : new DestinationPolicy(allowPrivateNetwork, DeliveryResolver.direct(lookupBound));
    }

    public DestinationCheck check(URI url) {
        String host = hostOf(url);
        if (host == null) {
            return new DestinationCheck(Verdict.REFUSED, null, List.of(), "refused: " + url + " has no host");
        }
        if (NumericIpv4.isNumeric(host) && NumericIpv4.isAmbiguous(host)) {
            return new DestinationCheck(Verdict.REFUSED, host, List.of(), "refused: " + host + " is ambiguous: "
                    + NumericIpv4.AMBIGUITY);
        }
        if (resolver == null && !isIpv6Literal(host) && !NumericIpv4.isNumeric(host)) {
            return new DestinationCheck(Verdict.ALLOWED, host, List.of(), "allowed: " + host
                    + " (resolved and judged by the egress proxy)");
        }
        List<InetAddress> addresses;
        try {
            addresses = resolve(host);
        } catch (UnknownHostException e) {
            return new DestinationCheck(Verdict.UNRESOLVABLE, host, List.of(),
                    "cannot resolve host '" + host + "'" + resolverDetail(host, e));
        }
        if (addresses.isEmpty()) {
            return new DestinationCheck(Verdict.UNRESOLVABLE, host, List.of(),
                    "cannot resolve host '" + host + "': no addresses");
        }
        Optional<String> refusal = allowPrivateNetwork ? Optional.empty() : refusal(host, addresses);
        if (refusal.isPresent()) {
            return new DestinationCheck(Verdict.REFUSED, host, addresses, "refused: " + refusal.get());
        }
        return new DestinationCheck(Verdict.ALLOWED, host, addresses, "allowed: " + host + " ("
                + addresses.stream().map(InetAddress::getHostAddress).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * Why {@code host} may not be contacted at these addresses, e.g. "example.internal resolves
     * to 10.0.0.5, a private address (…)": the first address that is not public; empty when all are.
     */
    static Optional<String> refusal(String host, List<InetAddress> addresses) {
        for (InetAddress address : addresses) {
            Optional<String> kind = AddressRanges.nonPublicKind(address);
            if (kind.isPresent()) {
                return Optional.of(describe(host, address) + kind.get() + " (" + ALLOW_HINT + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * The resolver's reason without the host it repeats ("x: Name or service not known" becomes
     * ": Name or service not known"); nothing when it only repeats the host, as the JDK does for
     * a name it remembers as unresolvable.
     */
    private static String resolverDetail(String host, UnknownHostException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().trim();
        if (m.startsWith(host + ":")) {
            m = m.substring(host.length() + 1).trim();
        }
        return m.isEmpty() || m.equals(host) ? "" : ": " + m;
    }

    private List<InetAddress> resolve(String host) throws UnknownHostException {
        if (isIpv6Literal(host)) {
            // A zone (fe80::1%25eth0) names a local interface and does not change the address class.
            int zone = host.indexOf('%');
            String literal = zone < 0 ? host : host.substring(0, zone) + "]";
            // Brackets make InetAddress parse an IPv6 literal or fail; it never asks DNS.
            return List.of(InetAddress.getByName(literal));
        }
        if (NumericIpv4.isNumeric(host)) {
            return List.of(NumericIpv4.parse(host));
        }
        return resolver.resolve(host);
    }

    /** "127.0.0.1 is ", "0x7f000001 is 127.0.0.1, " or "example.internal resolves to 10.0.0.5, ". */
    private static String describe(String host, InetAddress address) {
        String shown = address.getHostAddress();
        if (!isIpv6Literal(host) && !NumericIpv4.isNumeric(host)) {
            return host + " resolves to " + shown + ", ";
        }
        return host.equals(shown) ? host + " is " : host + " is " + shown + ", ";
    }

    private static boolean isIpv6Literal(String host) {
        return host.startsWith("[");
    }

    /**
     * {@code URI.getHost()} is null for hosts it cannot parse as a name or dotted quad, such as
     * {@code 127.1}; the host is then taken from the raw authority so it is judged all the same.
     */
    private static String hostOf(URI url) {
        if (url.getHost() != null) {
            return url.getHost();
        }
        String authority = url.getRawAuthority();
        if (authority == null) {
            return null;
        }
        String host = authority.substring(authority.lastIndexOf('@') + 1);
        int port = host.lastIndexOf(':');
        if (port >= 0 && !host.endsWith("]")) {
            host = host.substring(0, port);
        }
        return host.isEmpty() ? null : host;
    }
}
