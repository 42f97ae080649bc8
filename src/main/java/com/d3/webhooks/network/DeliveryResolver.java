package com.d3.webhooks.network;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The JVM's resolver, so that the addresses a delivery connects to are the judged ones: a
 * lookup made for a delivery (see {@link DeliveryLookups}) is bounded in time and, unless
 * private destinations are allowed, refused whole when any address it returns is not public,
 * by the rules of {@link DestinationPolicy}. A DNS answer that changes after the destination
 * check (rebinding) therefore reaches no connection. Every other lookup of the JVM, the database
 * host's included, is passed to the system resolver untouched.
 */
final class DeliveryResolver implements InetAddressResolver {

    private static final LookupPolicy ALL_ADDRESSES = LookupPolicy.of(LookupPolicy.IPV4 | LookupPolicy.IPV6);
    private static final String LOCALHOST = "localhost";

    private static volatile DeliveryResolver installed;

    private final InetAddressResolver upstream;

    private DeliveryResolver(InetAddressResolver upstream) {
        this.upstream = upstream;
    }

    static DeliveryResolver install(InetAddressResolver upstream) {
        DeliveryResolver resolver = new DeliveryResolver(upstream);
        installed = resolver;
        return resolver;
    }

    /** Whether the JVM resolves names through this class (it picks its resolver at the first lookup). */
    static boolean active() {
        try {
            InetAddress.getAllByName(LOCALHOST);
        } catch (UnknownHostException ignored) {
            // The JDK answers localhost itself when the resolver fails; the resolver is chosen either way.
        }
        return installed != null;
    }

    /**
     * The destination check's lookups: bounded, judged by nobody, and past the JDK's address cache
     * when this resolver is active, so the check never hands its answer to the connection.
     * Without it (a JVM that skipped resolver providers) through {@code InetAddress}.
     */
    static HostResolver direct(Duration bound) {
        return host -> {
            DeliveryResolver resolver = installed;
            return BoundedLookup.resolve(host, bound, resolver == null ? h -> List.of(InetAddress.getAllByName(h))
                    : h -> resolver.upstream.lookupByName(h, ALL_ADDRESSES).toList());
        };
    }

    @Override
    public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
        DeliveryLookups.Scope delivery = DeliveryLookups.scopeOfCurrentThread();
        if (delivery == null) {
            return upstream.lookupByName(host, policy);
        }
        List<InetAddress> answer = BoundedLookup.resolve(host, delivery.bound(),
                h -> upstream.lookupByName(h, policy).toList());
        Optional<String> refusal = delivery.judged() ? DestinationPolicy.refusal(host, answer) : Optional.empty();
        if (refusal.isEmpty()) {
            return answer.stream();
        }
        String message = "refused when connecting: " + refusal.get();
        delivery.refused(message);
        if (host.equalsIgnoreCase(LOCALHOST)) {
            // The JDK answers a failed lookup of localhost with the loopback address: fail it by an empty answer.
            return Stream.empty();
        }
        throw new UnknownHostException(message);
    }

    @Override
    public String lookupByAddress(byte[] address) throws UnknownHostException {
        return upstream.lookupByAddress(address);
    }
}
