package com.d3.webhooks.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.network.DestinationCheck.Verdict;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Never touches the network: names resolve through a stub, and literals must not reach it at all. */
class DestinationPolicyTest {

    private static final HostResolver NO_DNS = host -> {
        throw new AssertionError("'" + host + "' is an address and must not be sent to DNS");
    };

    private static final HostResolver STUB_DNS = host -> {
        Map<String, List<String>> zone = Map.of(
                "hooks.example.com", List.of("93.184.215.14", "2606:4700::1111"),
                "example.internal", List.of("10.0.0.5"),
                "split.example.com", List.of("93.184.215.14", "10.0.0.5"),
                "localhost", List.of("127.0.0.1", "::1"),
                "empty.example.com", List.of());
        List<String> answer = zone.get(host);
        if (answer == null) {
            throw new UnknownHostException(host + ": Name or service not known");
        }
        return answer.stream().map(DestinationPolicyTest::literal).toList();
    };

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', textBlock = """
            http://127.0.0.1/                        | a loopback address
            http://127.255.255.254/                  | a loopback address
            http://127.0.0.1:8080/hook               | a loopback address
            http://[::1]/                            | a loopback address
            http://0.0.0.0/                          | an unspecified address
            http://[::]/                             | an unspecified address
            http://0.1.2.3/                          | a 'this network' address
            http://10.0.0.5/                         | a private address
            http://172.16.0.1/                       | a private address
            http://172.31.255.255/                   | a private address
            http://192.168.1.1/                      | a private address
            http://169.254.169.254/latest/meta-data/ | a link-local address (the cloud metadata service)
            http://169.254.1.1/                      | a link-local address
            http://[fe80::1]/                        | a link-local address
            http://[fe80::1%25eth0]/                 | a link-local address
            http://[fc00::1]/                        | a unique-local address
            http://[fd12:3456::1]/                   | a unique-local address
            http://[fec0::1]/                        | a site-local address
            http://100.64.0.1/                       | a carrier-grade NAT address
            http://100.127.255.255/                  | a carrier-grade NAT address
            http://224.0.0.1/                        | a multicast address
            http://239.255.255.250/                  | a multicast address
            http://[ff02::1]/                        | a multicast address
            http://255.255.255.255/                  | the broadcast address
            http://192.0.0.8/                        | an IETF protocol assignment address
            http://198.18.0.1/                       | a benchmarking address
            http://198.19.255.255/                   | a benchmarking address
            http://240.0.0.1/                        | a reserved address
            http://192.0.2.1/                        | a documentation address
            http://198.51.100.7/                     | a documentation address
            http://203.0.113.9/                      | a documentation address
            http://[2001:db8::1]/                    | a documentation address
            http://[3fff::1]/                        | a documentation address
            http://192.88.99.1/                      | a 6to4 relay anycast address
            http://[100::1]/                         | a discard-only address
            http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/ | a Teredo tunnel address
            http://[4000::1]/                        | a reserved IPv6 address
            http://[::ffff:127.0.0.1]/               | a loopback address
            http://[::ffff:7f00:1]/                  | a loopback address
            http://[::ffff:10.0.0.1]/                | a private address
            http://[::ffff:169.254.169.254]/         | a link-local address (the cloud metadata service)
            http://[::127.0.0.1]/                    | an IPv4-compatible address for 127.0.0.1, a loopback address
            http://[64:ff9b::a00:1]/                 | a NAT64 address for 10.0.0.1, a private address
            http://[64:ff9b::127.0.0.1]/             | a NAT64 address for 127.0.0.1, a loopback address
            http://[64:ff9b:1::1]/                   | a local-use NAT64 address
            http://[2002:7f00:1::1]/                 | a 6to4 address for 127.0.0.1, a loopback address
            http://[2002:a9fe:a9fe::]/               | for 169.254.169.254, a link-local address (the cloud metadata service)
            http://2130706433/                       | a loopback address
            http://0x7f000001/                       | a loopback address
            http://0X7F000001/                       | a loopback address
            http://127.1/                            | a loopback address
            http://127.0.1/                          | a loopback address
            http://0x7f.1/                           | a loopback address
            http://127.0.0.1./                       | a loopback address
            http://0/                                | an unspecified address
            http://167772161/                        | a private address
            http://0xa9fea9fe/                       | a link-local address (the cloud metadata service)
            http://user@127.0.0.1/                   | a loopback address
            http://localhost/                        | a loopback address
            http://example.internal/                 | a private address
            """)
    void nonPublicDestinationsAreRefused(String url, String kind) {
        var check = new DestinationPolicy(false, STUB_DNS).check(URI.create(url));

        assertEquals(Verdict.REFUSED, check.verdict(), check.message());
        assertTrue(check.message().startsWith("refused: "), check.message());
        assertTrue(check.message().endsWith(kind + " (use --allow-private-network to permit)"), check.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://2130706433/",
            "http://0x7f000001/", "http://127.1/", "http://[fe80::1%25eth0]/",
            "http://93.184.215.14/", "http://[2606:4700::1111]/", "http://0x5db8d70e/"})
    void addressesWrittenAsNumbersNeverReachDns(String url) {
        var check = new DestinationPolicy(true, NO_DNS).check(URI.create(url));

        assertTrue(check.allowed(), check.message());
    }

    @Test
    void messagesSayWhatTheHostDenotes() {
        var policy = new DestinationPolicy(false, STUB_DNS);

        assertEquals("refused: 127.0.0.1 is a loopback address (use --allow-private-network to permit)",
                policy.check(URI.create("https://127.0.0.1/")).message());
        assertEquals("refused: 0x7f000001 is 127.0.0.1, a loopback address (use --allow-private-network to permit)",
                policy.check(URI.create("https://0x7f000001/")).message());
        assertEquals("refused: example.internal resolves to 10.0.0.5, a private address "
                + "(use --allow-private-network to permit)",
                policy.check(URI.create("https://example.internal/")).message());
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', textBlock = """
            https://93.184.215.14/hook          | 93.184.215.14
            https://[2606:4700::1111]/          | 2606:4700:0:0:0:0:0:1111
            https://0x5db8d70e/                 | 93.184.215.14
            https://1572394766/                 | 93.184.215.14
            https://[64:ff9b::5db8:d70e]/       | 64:ff9b:0:0:0:0:5db8:d70e
            https://[2002:5db8:d70e::1]/        | 2002:5db8:d70e:0:0:0:0:1
            https://8.8.8.8:8443/               | 8.8.8.8
            """)
    void publicAddressesAreAllowed(String url, String address) {
        var check = new DestinationPolicy(false, NO_DNS).check(URI.create(url));

        assertTrue(check.allowed(), check.message());
        assertEquals(List.of(address), check.addresses().stream().map(InetAddress::getHostAddress).toList());
    }

    @Test
    void nameResolvingToPublicAddressesIsAllowedWithThem() {
        var check = new DestinationPolicy(false, STUB_DNS).check(URI.create("https://hooks.example.com/d3"));

        assertTrue(check.allowed(), check.message());
        assertEquals("hooks.example.com", check.host());
        assertEquals(List.of(literal("93.184.215.14"), literal("2606:4700::1111")), check.addresses());
        assertEquals("allowed: hooks.example.com (93.184.215.14, 2606:4700:0:0:0:0:0:1111)", check.message());
    }

    @Test
    void nameResolvingToAPublicAndAPrivateAddressIsRefused() {
        var check = new DestinationPolicy(false, STUB_DNS).check(URI.create("https://split.example.com/"));

        assertEquals(Verdict.REFUSED, check.verdict());
        assertEquals("refused: split.example.com resolves to 10.0.0.5, a private address "
                + "(use --allow-private-network to permit)", check.message());
        assertEquals(2, check.addresses().size());
    }

    @Test
    void ipv4MappedAddressFromTheResolverIsJudgedByItsIpv4Part() throws UnknownHostException {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 5};
        var sixteenBytes = Inet6Address.getByAddress("mapped.example.com", mapped, -1);
        var policy = new DestinationPolicy(false, host -> List.of(sixteenBytes));

        var check = policy.check(URI.create("https://mapped.example.com/"));

        assertEquals("refused: mapped.example.com resolves to " + sixteenBytes.getHostAddress()
                + ", an IPv4-mapped address for 10.0.0.5, a private address (use --allow-private-network to permit)",
                check.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8080/hook", "http://localhost/", "http://example.internal/",
            "http://[::1]/", "http://169.254.169.254/"})
    void allowPrivateNetworkPermitsInternalDestinations(String url) {
        var check = new DestinationPolicy(true, STUB_DNS).check(URI.create(url));

        assertTrue(check.allowed(), check.message());
    }

    @Test
    void unresolvableNameIsItsOwnOutcome() {
        var check = new DestinationPolicy(false, STUB_DNS).check(URI.create("https://nowhere.invalid/"));

        assertEquals(Verdict.UNRESOLVABLE, check.verdict());
        assertEquals("cannot resolve host 'nowhere.invalid': Name or service not known",
                check.message());
        assertEquals(List.of(), check.addresses());
    }

    @Test
    void nameWithoutAddressesIsUnresolvable() {
        var check = new DestinationPolicy(false, STUB_DNS).check(URI.create("https://empty.example.com/"));

        assertEquals(Verdict.UNRESOLVABLE, check.verdict());
        assertEquals("cannot resolve host 'empty.example.com': no addresses", check.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://256.1.1.1/", "http://1.2.3.4.5/", "http://0x100000000/",
            "http://4294967296/", "http://1.2.3.0x/", "http://1..2/"})
    void invalidNumericHostIsUnresolvableWithoutAskingDns(String url) {
        var check = new DestinationPolicy(true, NO_DNS).check(URI.create(url));

        assertEquals(Verdict.UNRESOLVABLE, check.verdict(), check.message());
        assertTrue(check.message().endsWith("is written as a number but is not a valid IPv4 address"),
                check.message());
    }

    /** Octal to inet_aton, decimal elsewhere: 0127.0.0.1 is 87.0.0.1 (public) to one and 127.0.0.1 to another. */
    @ParameterizedTest
    @CsvSource({"0127.0.0.1, false", "0127.0.0.1, true", "017700000001, true", "08.0.0.1, false",
            "10.0.0.01, true"})
    void ambiguousNumericHostsAreRefusedOutright(String host, boolean allowPrivateNetwork) {
        var check = new DestinationPolicy(allowPrivateNetwork, NO_DNS).check(URI.create("http://" + host + "/"));

        assertEquals(Verdict.REFUSED, check.verdict(), check.message());
        assertEquals("refused: " + host + " is ambiguous: a number with a leading zero is "
                + "octal to some resolvers and decimal to others; write the address without leading zeros",
                check.message());
    }

    @Test
    void urlWithoutHostIsRefused() {
        var check = new DestinationPolicy(true, NO_DNS).check(URI.create("file:///etc/passwd"));

        assertEquals(Verdict.REFUSED, check.verdict());
        assertEquals("refused: file:///etc/passwd has no host", check.message());
    }

    private static InetAddress literal(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }
}
