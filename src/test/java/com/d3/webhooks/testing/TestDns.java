package com.d3.webhooks.testing;

import com.d3.webhooks.network.DeliveryResolverProvider;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The tests' only name resolution, under the application's own resolver (see
 * {@code META-INF/services} in the test resources): localhost is loopback, a test may script what
 * a name answers, lookup by lookup, and every other name fails at once. No lookup ever reaches a
 * name server, on any machine. Public addresses appear only in scripted answers, for the
 * resolver to judge: a test must never let one be connected to.
 */
public final class TestDns implements InetAddressResolver {

    /** Installs the application's resolver over this one in every test JVM and worker process. */
    public static final class Provider extends DeliveryResolverProvider {
        @Override
        protected InetAddressResolver upstream(Configuration configuration) {
            return INSTANCE;
        }
    }

    /** A public address (example.com's), for answers that must pass the destination check. */
    public static final InetAddress PUBLIC = address("public.test", new byte[] {93, (byte) 184, (byte) 215, 14});
    public static final InetAddress LOOPBACK = address("localhost", new byte[] {127, 0, 0, 1});
    private static final InetAddress LOOPBACK6 = address("localhost",
            new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});

    private static final TestDns INSTANCE = new TestDns();
    private static final Map<String, Deque<List<InetAddress>>> SCRIPTS = new ConcurrentHashMap<>();
    private static final Map<String, Duration> DELAYS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> LOOKUPS = new ConcurrentHashMap<>();

    private TestDns() {
    }

    /** The answers to the next lookups of {@code host}, one each; the last one stays. */
    @SafeVarargs
    public static void script(String host, List<InetAddress>... answers) {
        SCRIPTS.put(host, new ArrayDeque<>(List.of(answers)));
        LOOKUPS.remove(host);
    }

    /** Lookups of {@code host} answer only after this long, like a slow authoritative server. */
    public static void delay(String host, Duration delay) {
        DELAYS.put(host, delay);
    }

    /** How many times {@code host} was looked up here since it was scripted. */
    public static int lookups(String host) {
        AtomicInteger n = LOOKUPS.get(host);
        return n == null ? 0 : n.get();
    }

    /** The 16-byte IPv4-mapped form of an IPv4 address, kept as an IPv6 address (as a resolver may return it). */
    public static InetAddress ipv4Mapped(InetAddress ipv4) {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(ipv4.getAddress(), 0, mapped, 12, 4);
        try {
            return Inet6Address.getByAddress(null, mapped, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
        LOOKUPS.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
        Duration delay = DELAYS.get(host);
        if (delay != null) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (host.equalsIgnoreCase("localhost")) {
            return Stream.of(LOOPBACK, LOOPBACK6);
        }
        Deque<List<InetAddress>> answers = SCRIPTS.get(host);
        if (answers == null) {
            throw new UnknownHostException(host + ": not a name the tests resolve");
        }
        synchronized (answers) {
            return (answers.size() > 1 ? answers.poll() : answers.peek()).stream();
        }
    }

    @Override
    public String lookupByAddress(byte[] address) throws UnknownHostException {
        if (InetAddress.getByAddress(address).isLoopbackAddress()) {
            return "localhost";
        }
        throw new UnknownHostException("the tests resolve no address to a name");
    }

    private static InetAddress address(String name, byte[] bytes) {
        try {
            return InetAddress.getByAddress(name, bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
