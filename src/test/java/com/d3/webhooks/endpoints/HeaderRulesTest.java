package com.d3.webhooks.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java rules for static headers and the CHECKs of webhook_endpoint_headers say the same: what
 * one refuses the other refuses, what one takes the other takes. Messages never show a value.
 */
class HeaderRulesTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private long endpoint;

    @BeforeEach
    void oneEndpoint() {
        TestDatabase.get().reset();
        endpoint = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hooks", null);
    }

    @Test
    void everyRefusedNameIsRefusedByTheTableInAnyCase() {
        List<String> refused = new ArrayList<>();
        for (String name : HeaderRules.REFUSED_NAMES) {
            refused.add(name);
            refused.add(name.toUpperCase(Locale.ROOT));
        }
        for (String prefix : HeaderRules.REFUSED_PREFIXES) {
            refused.add(prefix + "signature");
            refused.add(prefix.toUpperCase(Locale.ROOT) + "Anything");
        }
        refused.addAll(List.of("X Api Key", "X-Api-Key:", "(comment)", "\u00e9"));
        for (String name : refused) {
            assertNotNull(HeaderRules.nameProblem(name), name);
            assertRefusedByTable(name, "value", "webhook_endpoint_headers_name_check");
        }
        // The column's type refuses longer names before the CHECK sees them.
        assertEquals("header name '" + "x".repeat(101) + "' is 101 characters long: at most 100",
                HeaderRules.nameProblem("x".repeat(101)));
    }

    @Test
    void namesAndValuesTheRulesTakeTheTableTakes() {
        List<String> names = List.of("Authorization", "X-Api-Key", "x-tenant", "Cookie", "X-D3", "Webhook",
                "a!#$%&'*+.^_`|~9", "x".repeat(100));
        for (String name : names) {
            assertNull(HeaderRules.nameProblem(name), name);
            dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, ?, ?)",
                    endpoint, name, "Bearer a:b/c=~");
        }
        String longest = "v".repeat(HeaderRules.MAX_VALUE_LENGTH);
        assertNull(HeaderRules.valueProblem("X-Long", longest));
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, 'X-Long', ?)",
                endpoint, longest);
        assertEquals(names.size() + 1, dsl.fetchCount(dsl.selectFrom("webhook_endpoint_headers")));
    }

    @Test
    void badValuesAreRefusedByBothWithoutShowingThem() {
        for (String value : List.of("", " leading", "trailing ", "tab\there", "line\r\nX-Evil: 1", "esc\u001b[8m",
                "del\u007f", "caf\u00e9", "v".repeat(HeaderRules.MAX_VALUE_LENGTH + 1), "sealed:plain")) {
            String problem = HeaderRules.valueProblem("X-Api-Key", value);
            assertNotNull(problem, value);
            assertTrue(problem.contains("X-Api-Key"), problem);
            assertFalse(!value.isEmpty() && problem.contains(value.strip()), "the value shows in: " + problem);
            assertRefusedByTable("X-Api-Key", value, "webhook_endpoint_headers_value_check");
        }
    }

    @Test
    void aSealedValueIsTakenByTheTableOnlyInTheSealedForm() {
        SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
        String sealed = sealer.seal("v".repeat(HeaderRules.MAX_VALUE_LENGTH),
                com.d3.webhooks.secrets.SealedPlace.header(endpoint, "X-Api-Key"));
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, 'X-Api-Key', ?)",
                endpoint, sealed);
        assertRefusedByTable("X-Other", "sealed:v1:" + sealed.substring(10), "webhook_endpoint_headers_value_check");
        assertRefusedByTable("X-Other", sealed + " ", "webhook_endpoint_headers_value_check");
    }

    @Test
    void oneHeaderOfANamePerEndpointWhateverItsCase() {
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, 'X-Api-Key', 'a')",
                endpoint);
        var e = assertThrows(DataAccessException.class, () -> dsl.execute(
                "INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, 'x-api-KEY', 'b')",
                endpoint));
        assertTrue(e.getMessage().contains("webhook_endpoint_headers_name_key"), e.getMessage());
    }

    @Test
    void theLimitsCountHeadersAndTheirBytesAsSent() {
        List<EndpointHeader> twenty = new ArrayList<>();
        for (int i = 0; i < HeaderRules.MAX_HEADERS; i++) {
            twenty.add(new EndpointHeader("X-H" + i, "v"));
        }
        assertNull(HeaderRules.limitsProblem(twenty));
        twenty.add(new EndpointHeader("X-One-More", "v"));
        assertEquals("21 headers, more than the 20 an endpoint may have", HeaderRules.limitsProblem(twenty));

        // "X-Big-n: " + 1000 characters + CRLF = 1011 bytes; eight of them are 8088, a ninth passes 8192.
        List<EndpointHeader> big = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            big.add(new EndpointHeader("X-Big-" + i, "v".repeat(1000)));
        }
        assertNull(HeaderRules.limitsProblem(big));
        big.add(new EndpointHeader("X-Big-8", "v".repeat(100)));
        assertEquals("headers of 8199 bytes together, more than the 8192 an endpoint may have",
                HeaderRules.limitsProblem(big));
    }

    @Test
    void aHeaderIsParsedAsCurlTakesItAndPrintsWithoutItsValue() {
        EndpointHeader h = EndpointHeader.parse("  X-Api-Key :  Basic dXNlcjpwYXNz  ");
        assertEquals("X-Api-Key", h.name());
        assertEquals("Basic dXNlcjpwYXNz", h.value());
        assertEquals("header X-Api-Key", h.toString());
        var noColon = assertThrows(IllegalArgumentException.class, () -> EndpointHeader.parse("X-Api-Key secret"));
        assertFalse(noColon.getMessage().contains("secret"), noColon.getMessage());
    }

    private void assertRefusedByTable(String name, String value, String constraint) {
        var e = assertThrows(DataAccessException.class, () -> dsl.execute(
                "INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, ?, ?)",
                endpoint, name, value), name);
        assertTrue(e.getMessage().contains(constraint), e.getMessage());
    }
}
