package com.d3.webhooks.network;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Reads a host written as numbers the way C's {@code inet_aton} does ({@code 2130706433},
 * {@code 0x7f000001}, {@code 127.1}), because the system resolver behind {@code InetAddress}
 * accepts these forms and would connect to the address they denote. A part with a leading zero
 * ({@code 0127.0.0.1}) is octal to {@code inet_aton} and decimal to other stacks, so the host
 * names two addresses: it is refused, never read.
 */
final class NumericIpv4 {

    static final String AMBIGUITY = "a number with a leading zero is octal to some resolvers and decimal to "
            + "others; write the address without leading zeros";

    private NumericIpv4() {
    }

    /** Whether a part is written with a leading zero, such as {@code 0127} or {@code 00}. */
    static boolean isAmbiguous(String host) {
        for (String part : withoutTrailingDot(host).split("\\.", -1)) {
            if (part.length() > 1 && part.charAt(0) == '0' && Character.isDigit(part.charAt(1))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the last label (ignoring one trailing dot) is a decimal or {@code 0x} number. As in
     * the WHATWG URL standard, such a host is an IPv4 address or invalid, never a DNS name.
     */
    static boolean isNumeric(String host) {
        String name = withoutTrailingDot(host);
        String last = name.substring(name.lastIndexOf('.') + 1);
        if (last.startsWith("0x") || last.startsWith("0X")) {
            return last.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
        }
        return !last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * One to four parts, each decimal or {@code 0x} hex; every part but the last is one byte, the
     * last fills the remaining bytes ({@code 127.1} is 127.0.0.1).
     *
     * @throws UnknownHostException when the host is no address, or {@link #isAmbiguous ambiguous}
     */
    static InetAddress parse(String host) throws UnknownHostException {
        if (isAmbiguous(host)) {
            throw new UnknownHostException("'" + host + "' is ambiguous: " + AMBIGUITY);
        }
        String[] parts = withoutTrailingDot(host).split("\\.", -1);
        if (parts.length > 4) {
            throw invalid(host);
        }
        long address = 0;
        for (int i = 0; i < parts.length; i++) {
            long value = part(parts[i], host);
            boolean last = i == parts.length - 1;
            int bits = last ? 8 * (4 - i) : 8;
            if (value >= 1L << bits) {
                throw invalid(host);
            }
            address = last ? (address << bits) | value : (address << 8) | value;
        }
        return InetAddress.getByAddress(host, new byte[] {
                (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address});
    }

    private static long part(String text, String host) throws UnknownHostException {
        int radix = 10;
        String digits = text;
        if (text.startsWith("0x") || text.startsWith("0X")) {
            radix = 16;
            digits = text.substring(2);
        }
        int base = radix;
        if (digits.isEmpty() || !digits.chars().allMatch(c -> Character.digit(c, base) >= 0)) {
            throw invalid(host);
        }
        try {
            return Long.parseLong(digits, radix);
        } catch (NumberFormatException tooLarge) {
            throw invalid(host);
        }
    }

    private static String withoutTrailingDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    private static UnknownHostException invalid(String host) {
        return new UnknownHostException("'" + host + "' is written as a number but is not a valid IPv4 address");
    }
}
