package com.d3.webhooks.cli;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** endpoints add/update --rate-limit and what list/show print about the rate limit and the breaker. */
class EndpointRateLimitCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    private Integer rateLimit(long id) {
        return dsl.select(WEBHOOK_ENDPOINTS.RATE_LIMIT_PER_SECOND).from(WEBHOOK_ENDPOINTS)
                .where(WEBHOOK_ENDPOINTS.ID.eq(id)).fetchSingle().value1();
    }

    @Test
    void rateLimitRoundTrip() throws Exception {
        Cli.Result added = Cli.run("endpoints", "add", "--account", "acct_1", "--url", "https://example.com/hooks",
                "--rate-limit", "25");
        assertEquals(0, added.exit(), added.toString());
        long id = Long.parseLong(added.out().trim());
        assertEquals(25, rateLimit(id));

        Cli.Result shown = Cli.run("endpoints", "show", String.valueOf(id));
        assertTrue(shown.out().contains("25 requests per second"), shown.out());
        assertTrue(shown.out().contains("closed, 0 consecutive failed attempts"), shown.out());
        JsonNode doc = JSON.readTree(Cli.run("endpoints", "show", String.valueOf(id), "--json").out());
        assertEquals(25, doc.at("/endpoint/rateLimitPerSecond").asInt());

        Cli.Result updated = Cli.run("endpoints", "update", String.valueOf(id), "--rate-limit", "3");
        assertEquals(0, updated.exit(), updated.toString());
        assertTrue(updated.out().contains("rate limit 3/s"), updated.out());
        assertEquals(3, rateLimit(id));
        Cli.Result listed = Cli.run("endpoints", "list");
        assertTrue(listed.out().contains("RATE LIMIT") && listed.out().contains("3/s"), listed.out());
        JsonNode list = JSON.readTree(Cli.run("endpoints", "list", "--json").out());
        assertEquals(3, list.get(0).get("rateLimitPerSecond").asInt());

        // Other changes keep the limit; 'none' removes it.
        assertEquals(0, Cli.run("endpoints", "update", String.valueOf(id), "--description", "x").exit());
        assertEquals(3, rateLimit(id));
        assertEquals(0, Cli.run("endpoints", "update", String.valueOf(id), "--rate-limit", "none").exit());
        assertNull(rateLimit(id));
        assertTrue(Cli.run("endpoints", "list").out().contains("none"));
        assertTrue(JSON.readTree(Cli.run("endpoints", "list", "--json").out()).get(0).get("rateLimitPerSecond").isNull());
    }

    @Test
    void badRateLimitsAreUsageErrors() {
        Cli.Result zero = Cli.run("endpoints", "add", "--account", "acct_1", "--url", "https://example.com/hooks",
                "--rate-limit", "0");
        assertEquals(2, zero.exit(), zero.toString());
        assertTrue(zero.err().contains("rate limit must be 1 to 100000"), zero.err());

        long id = Long.parseLong(Cli.run("endpoints", "add", "--account", "acct_1", "--url",
                "https://example.com/hooks").out().trim());
        Cli.Result word = Cli.run("endpoints", "update", String.valueOf(id), "--rate-limit", "fast");
        assertEquals(2, word.exit(), word.toString());
        assertTrue(word.err().contains("--rate-limit takes a number"), word.err());
        Cli.Result nothing = Cli.run("endpoints", "update", String.valueOf(id));
        assertTrue(nothing.err().contains("--rate-limit"), nothing.err());
        assertEquals(1, Cli.run("endpoints", "update", "999", "--rate-limit", "5").exit());
    }

    @Test
    void showAndListTellAnOpenBreaker() throws Exception {
        long id = Long.parseLong(Cli.run("endpoints", "add", "--account", "acct_1", "--url",
                "https://example.com/hooks").out().trim());
        Instant until = Instant.now().plus(1, ChronoUnit.HOURS);
        dsl.update(WEBHOOK_ENDPOINTS).set(WEBHOOK_ENDPOINTS.CONSECUTIVE_FAILURES, 7)
                .set(WEBHOOK_ENDPOINTS.BREAKER_OPENINGS, 2)
                .set(WEBHOOK_ENDPOINTS.BREAKER_OPEN_UNTIL, DbTime.utc(until))
                .where(WEBHOOK_ENDPOINTS.ID.eq(id)).execute();

        Cli.Result shown = Cli.run("endpoints", "show", String.valueOf(id));
        assertTrue(shown.out().contains("open until"), shown.out());
        assertTrue(shown.out().contains("7 consecutive failed attempts"), shown.out());
        assertTrue(Cli.run("endpoints", "list").out().contains("open"));
        JsonNode doc = JSON.readTree(Cli.run("endpoints", "show", String.valueOf(id), "--json").out());
        assertEquals(7, doc.at("/endpoint/consecutiveFailures").asInt());
        assertEquals(2, doc.at("/endpoint/breakerOpenings").asInt());
        assertTrue(doc.at("/endpoint/breakerOpenUntil").isTextual(), doc.toString());
    }
}
