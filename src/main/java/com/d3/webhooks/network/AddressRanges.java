package com.d3.webhooks.network;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The address ranges a webhook must never reach: everything that is not a public unicast
 * address (IANA special-purpose registries). IPv6 forms that carry an IPv4 address (mapped,
 * compatible, NAT64, 6to4) are judged by the IPv4 address they carry.
 */
final class AddressRanges {

    /**
     * @param kind           why an address in the range is not public; null for a public range
     * @param embeddedIpv4At byte offset of a carried IPv4 address, or -1
     */
    private record Range(byte[] network, int prefixLength, String kind, int embeddedIpv4At) {

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int wholeBytes = prefixLength / 8;
            if (!Arrays.equals(address, 0, wholeBytes, network, 0, wholeBytes)) {
                return false;
            }
            int mask = (0xff << (8 - prefixLength % 8)) & 0xff;
            return prefixLength % 8 == 0 || (address[wholeBytes] & mask) == (network[wholeBytes] & mask);
        }
    }

    /** First match wins, so narrower ranges come before the ranges that contain them. */
    private static final List<Range> RANGES = List.of(
            range("0.0.0.0/32", "an unspecified address"),
            range("0.0.0.0/8", "a 'this network' address"),
            range("10.0.0.0/8", "a private address"),
            range("100.64.0.0/10", "a carrier-grade NAT address"),
            range("127.0.0.0/8", "a loopback address"),
            range("169.254.169.254/32", "a link-local address (the cloud metadata service)"),
            range("169.254.0.0/16", "a link-local address"),
            range("172.16.0.0/12", "a private address"),
            range("192.0.0.0/24", "an IETF protocol assignment address"),
            range("192.0.2.0/24", "a documentation address"),
            range("192.88.99.0/24", "a 6to4 relay anycast address"),
            range("192.168.0.0/16", "a private address"),
            range("198.18.0.0/15", "a benchmarking address"),
            range("198.51.100.0/24", "a documentation address"),
            range("203.0.113.0/24", "a documentation address"),
            range("224.0.0.0/4", "a multicast address"),
            range("255.255.255.255/32", "the broadcast address"),
            range("240.0.0.0/4", "a reserved address"),
            range("::/128", "an unspecified address"),
            range("::1/128", "a loopback address"),
            carrier("::ffff:0:0/96", "an IPv4-mapped address", 12),
            carrier("::/96", "an IPv4-compatible address", 12),
            carrier("64:ff9b::/96", "a NAT64 address", 12),
            range("64:ff9b:1::/48", "a local-use NAT64 address"),
            range("100::/64", "a discard-only address"),
            range("2001::/32", "a Teredo tunnel address"),
            range("2001:db8::/32", "a documentation address"),
            carrier("2002::/16", "a 6to4 address", 2),
            range("3fff::/20", "a documentation address"),
            range("fc00::/7", "a unique-local address"),
            range("fe80::/10", "a link-local address"),
            range("fec0::/10", "a site-local address"),
            range("ff00::/8", "a multicast address"),
            // Only 2000::/3 is allocated for global unicast; the rest of the IPv6 space is reserved.
            range("2000::/3", null),
            range("::/0", "a reserved IPv6 address"));

    private AddressRanges() {
    }

    /** Why the address is not public, e.g. "a private address"; empty when it is public. */
    static Optional<String> nonPublicKind(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Range range : RANGES) {
            if (range.contains(bytes)) {
                return range.embeddedIpv4At() < 0 ? Optional.ofNullable(range.kind()) : judgeCarried(range, bytes);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> judgeCarried(Range range, byte[] bytes) {
        int at = range.embeddedIpv4At();
        InetAddress carried = address(Arrays.copyOfRange(bytes, at, at + 4));
        return nonPublicKind(carried).map(kind -> range.kind() + " for " + carried.getHostAddress() + ", " + kind);
    }

    private static Range range(String cidr, String kind) {
        return carrier(cidr, kind, -1);
    }

    private static Range carrier(String cidr, String kind, int embeddedIpv4At) {
        int slash = cidr.indexOf('/');
        String network = cidr.substring(0, slash);
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(network).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bad range literal " + cidr, e);
        }
        if (network.contains(":") && bytes.length == 4) {
            // InetAddress turns ::ffff:a.b.c.d into a.b.c.d; the range needs the 16-byte form.
            bytes = ipv4Mapped(bytes);
        }
        return new Range(bytes, Integer.parseInt(cidr.substring(slash + 1)), kind, embeddedIpv4At);
    }

    private static byte[] ipv4Mapped(byte[] ipv4) {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(ipv4, 0, mapped, 12, 4);
        return mapped;
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an IPv4 address", e);
        }
    }
}
