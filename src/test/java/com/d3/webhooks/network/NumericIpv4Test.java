package com.d3.webhooks.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NumericIpv4Test {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "93.184.215.14, 93.184.215.14",
            "2130706433, 127.0.0.1",
            "0x7f000001, 127.0.0.1",
            "0x00000000007f000001, 127.0.0.1",
            "127.1, 127.0.0.1",
            "1.2.3, 1.2.0.3",
            "1.0x10203, 1.1.2.3",
            "0xc0.0xa8.0x1.0x1, 192.168.1.1",
            "4294967295, 255.255.255.255",
            "0, 0.0.0.0",
            "10.0.0.1., 10.0.0.1"})
    void readsHostsLikeInetAton(String host, String address) throws UnknownHostException {
        assertTrue(NumericIpv4.isNumeric(host));
        assertEquals(address, NumericIpv4.parse(host).getHostAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"256.0.0.1", "1.256.0.1", "1.2.65536", "1.16777216", "4294967296", "0x",
            "1.2.3.4.5", "1..2", ".1", "99999999999999999999999"})
    void refusesNumbersThatAreNoAddress(String host) {
        assertTrue(NumericIpv4.isNumeric(host));
        var e = assertThrows(UnknownHostException.class, () -> NumericIpv4.parse(host));
        assertEquals("'" + host + "' is written as a number but is not a valid IPv4 address", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0127.0.0.1", "017700000001", "0300.0250.1.1", "127.0.0.01", "08", "00", "0x7f.01"})
    void leadingZerosAreAmbiguousAndNeverRead(String host) {
        assertTrue(NumericIpv4.isAmbiguous(host));
        var e = assertThrows(UnknownHostException.class, () -> NumericIpv4.parse(host));
        assertEquals("'" + host + "' is ambiguous: " + NumericIpv4.AMBIGUITY, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0.0.0.0", "0x0", "0x00000000007f000001", "10.0.0.1", "127.0.0.0"})
    void zeroItselfAndHexAreNotAmbiguous(String host) {
        assertFalse(NumericIpv4.isAmbiguous(host));
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "deadbeef", "0xdeadbeef.example", "1.2.3.com", "0xg1", "abc."})
    void namesAreNotNumeric(String host) {
        assertFalse(NumericIpv4.isNumeric(host));
    }
}
