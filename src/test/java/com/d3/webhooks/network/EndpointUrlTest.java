package com.d3.webhooks.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointUrlTest {

    @Test
    void httpsUrlIsAcceptedWithoutWarnings() {
        var url = EndpointUrl.parse("https://hooks.example.com:8443/d3?tenant=7");

        assertEquals(URI.create("https://hooks.example.com:8443/d3?tenant=7"), url.uri());
        assertEquals(List.of(), url.warnings());
        assertEquals("https://hooks.example.com:8443/d3?tenant=7", url.toString());
    }

    @Test
    void plainHttpIsAcceptedWithAWarning() {
        var url = EndpointUrl.parse("http://hooks.example.com/d3");

        assertEquals(List.of("plain http: payloads and signatures can be read and replayed on the way; prefer https"),
                url.warnings());
    }

    @Test
    void anUpperCaseSchemeIsRefusedAsTheTableRefusesIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> EndpointUrl.parse("HTTPS://hooks.example.com/"));

        assertEquals("endpoint URL has scheme 'HTTPS': write it in lower case, https:// or http://", e.getMessage());
    }

    @Test
    void addressesAreAcceptedHereAndJudgedByTheDestinationPolicy() {
        EndpointUrl.parse("http://127.0.0.1:8080/hook");
        EndpointUrl.parse("https://[2606:4700::1111]/hook");
    }

    @Test
    void longestAllowedUrlIsAccepted() {
        String prefix = "https://example.com/";
        EndpointUrl.parse(prefix + "a".repeat(EndpointUrl.MAX_LENGTH - prefix.length()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ftp://example.com/hooks            | has scheme 'ftp'
            file:///etc/passwd                 | has scheme 'file'
            javascript:alert(1)                | has scheme 'javascript'
            /hooks                             | is relative
            example.com/hooks                  | is relative
            https:///hooks                     | has no valid host
            https://exa_mple.com/              | has no valid host
            http://127.1/                      | has no valid host
            https:hooks                        | has no valid host
            https://exa mple.com/              | is not a valid URL (Illegal character in authority at index
            https://alice:s3cret@example.com/  | carries user-info
            https://alice@example.com/         | carries user-info
            """)
    void invalidUrlsAreRefusedSayingWhatIsValid(String text, String problem) {
        var e = assertThrows(IllegalArgumentException.class, () -> EndpointUrl.parse(text));

        assertTrue(e.getMessage().startsWith("endpoint URL " + problem), e.getMessage());
        assertTrue(e.getMessage().endsWith(": " + EndpointUrl.EXPECTED), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"));
    }

    @Test
    void messageSaysWhatIsWrongAndWhatWouldBeValid() {
        assertEquals("endpoint URL has no valid host (a DNS name, a dotted IPv4 address or a bracketed IPv6 "
                + "address): expected an absolute http:// or https:// URL with a host, without user:password@, "
                + "at most 2000 characters, e.g. https://example.com/webhooks", message("https://exa_mple.com/"));
        assertEquals("endpoint URL carries user-info (user:password@); authenticate with the webhook signature "
                + "instead", message("https://alice:s3cret@example.com/").split(": expected")[0]);
    }

    @Test
    void emptyAndOverlongUrlsAreRefused() {
        assertEquals("endpoint URL is empty", message(" ").split(":")[0]);
        String tooLong = "https://example.com/" + "a".repeat(EndpointUrl.MAX_LENGTH);
        assertEquals("endpoint URL is 2020 characters long", message(tooLong).split(":")[0]);
    }

    private static String message(String text) {
        return assertThrows(IllegalArgumentException.class, () -> EndpointUrl.parse(text)).getMessage();
    }
}
