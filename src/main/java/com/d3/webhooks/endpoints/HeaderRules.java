package com.d3.webhooks.endpoints;

import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.text.ControlCharacters;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a static endpoint header may be: the rules of webhook_endpoint_headers' CHECKs, and the
 * limits a CHECK cannot see (how many headers an endpoint has, how large they are together).
 * Every problem is said in one line that names the header and never shows its value.
 */
public final class HeaderRules {

    /** Headers per endpoint at most. */
    public static final int MAX_HEADERS = 20;
    /** Names and values of an endpoint's headers together, as sent ("Name: value" and CRLF each), at most. */
    public static final int MAX_TOTAL_BYTES = 8192;
    public static final int MAX_NAME_LENGTH = 100;
    public static final int MAX_VALUE_LENGTH = 1000;
    /**
     * Names refused in any case (webhook_endpoint_headers_name_check): the worker's own headers,
     * the ones that frame or route the request, and the trace context a tracing proxy sets.
     */
    public static final List<String> REFUSED_NAMES = List.of("host", "content-length", "content-type",
            "content-encoding", "transfer-encoding", "connection", "keep-alive", "proxy-connection",
            "proxy-authorization", "te", "trailer", "upgrade", "expect", "user-agent", "traceparent", "tracestate");
    /** Every name with one of these prefixes (any case) is the worker's: its signatures and its own headers. */
    public static final List<String> REFUSED_PREFIXES = List.of("webhook-", "x-d3-");

    /** An RFC 9110 token. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Printable ASCII, neither starting nor ending with a space (HTTP would drop it). */
    private static final Pattern VALUE = Pattern.compile("[!-~]([ -~]*[!-~])?");

    private HeaderRules() {
    }

    /** Null when {@code name} may be a static header's name; else why not. */
    public static String nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "a header name is empty";
        }
        String shown = "'" + ControlCharacters.escape(name, MAX_NAME_LENGTH + 10) + "'";
        if (name.length() > MAX_NAME_LENGTH) {
            return "header name " + shown + " is " + name.length() + " characters long: at most " + MAX_NAME_LENGTH;
        }
        if (!TOKEN.matcher(name).matches()) {
            return "header name " + shown + " is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)";
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (REFUSED_NAMES.contains(lower) || REFUSED_PREFIXES.stream().anyMatch(lower::startsWith)) {
            return "header " + name + " cannot be set: the worker sets it, or it would break the request "
                    + "(refused: " + String.join(", ", REFUSED_NAMES) + ", webhook-* and x-d3-*)";
        }
        return null;
    }

    /** Null when {@code value} may be the value of header {@code name}; else why not, without the value. */
    public static String valueProblem(String name, String value) {
        if (value == null || value.isEmpty()) {
            return "header " + name + " has an empty value";
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            return "the value of header " + name + " is " + value.length() + " characters long: at most "
                    + MAX_VALUE_LENGTH;
        }
        if (!VALUE.matcher(value).matches()) {
            return "the value of header " + name + " must be printable ASCII without control characters, and "
                    + "must not begin or end with a space";
        }
        if (SecretSealer.isSealed(value)) {
            return "the value of header " + name + " starts with '" + SecretSealer.PREFIX + "', which marks sealed "
                    + "values: give the value itself";
        }
        return null;
    }

    /** Null when an endpoint may have these (opened) headers together; else why not. */
    public static String limitsProblem(Collection<EndpointHeader> headers) {
        if (headers.size() > MAX_HEADERS) {
            return headers.size() + " headers, more than the " + MAX_HEADERS + " an endpoint may have";
        }
        int bytes = headers.stream().mapToInt(EndpointHeader::sentBytes).sum();
        if (bytes > MAX_TOTAL_BYTES) {
            return "headers of " + bytes + " bytes together, more than the " + MAX_TOTAL_BYTES
                    + " an endpoint may have";
        }
        return null;
    }
}
