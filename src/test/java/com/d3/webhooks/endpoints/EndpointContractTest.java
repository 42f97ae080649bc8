package com.d3.webhooks.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.TestDatabase;
import java.time.OffsetDateTime;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * webhook_endpoints is written by the dashboard's backend with plain SQL: the statements of
 * docs/operators.md work, and the database refuses the rows the worker could never use.
 */
class EndpointContractTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    /** The SQL examples of docs/operators.md, as written there. */
    @Test
    void theDocumentedStatementsWork() {
        long id = dsl.fetchOne("""
                INSERT INTO webhook_endpoints (account_id, url, secret, event_types, description)
                VALUES ('acct_42', 'https://hooks.example.com/d3', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
                        ARRAY['fileTask.completed', 'operation.failed'], 'registered in the dashboard')
                RETURNING id""").get(0, Long.class);
        String newSecret = WebhookSecret.generate().revealText();

        assertEquals(1, dsl.execute("UPDATE webhook_endpoints SET url = 'https://hooks.example.com/v2/d3', "
                + "updated_at = now() WHERE id = ?", id));
        assertEquals(1, dsl.execute("UPDATE webhook_endpoints SET event_types = NULL, updated_at = now() WHERE id = ?",
                id));
        assertEquals(1, dsl.execute("""
                UPDATE webhook_endpoints
                   SET previous_secret = secret,
                       previous_secret_expires_at = CASE WHEN secret IS NULL THEN NULL ELSE now() + interval '24 hours' END,
                       secret = ?, updated_at = now()
                 WHERE id = ?""", newSecret, id));
        var rotated = new EndpointRepository(dsl).find(id).orElseThrow();
        assertTrue(rotated.previousSecretExpiresAt().isAfter(OffsetDateTime.now().plusHours(23)));
        assertEquals(1, dsl.execute("""
                UPDATE webhook_endpoints
                   SET secret = ?, previous_secret = NULL, previous_secret_expires_at = NULL, updated_at = now()
                 WHERE id = ?""", WebhookSecret.generate().revealText(), id));
        assertEquals(1, dsl.execute("""
                UPDATE webhook_endpoints
                   SET enabled = false, disabled_reason = 'customer request', disabled_at = coalesce(disabled_at, now()),
                       updated_at = now()
                 WHERE id = ?""", id));
        assertFalse(new EndpointRepository(dsl).find(id).orElseThrow().enabled());
        assertEquals(1, dsl.execute("""
                UPDATE webhook_endpoints
                   SET enabled = true, disabled_reason = NULL, disabled_at = NULL, updated_at = now()
                 WHERE id = ?""", id));
        var e = new EndpointRepository(dsl).find(id).orElseThrow();
        assertTrue(e.enabled());
        assertEquals("https://hooks.example.com/v2/d3", e.url());
        assertTrue(e.eventTypes().isEmpty());
        assertNull(e.previousSecretExpiresAt());
    }

    @Test
    void urlsWithoutAHttpSchemeOrHostAreRefused() {
        for (String url : new String[] {"ftp://example.com/x", "HTTPS://example.com", "https://", "https:///path",
                "https://user:pw@example.com/", "https://exa mple.com/", "example.com/hooks"}) {
            assertRefused("INSERT INTO webhook_endpoints (account_id, url) VALUES ('a', '" + url + "')", url);
        }
        dsl.execute("INSERT INTO webhook_endpoints (account_id, url) VALUES ('a', 'http://127.0.0.1:8080/h?x=1#f')");
        dsl.execute("INSERT INTO webhook_endpoints (account_id, url) VALUES ('a', 'https://[::1]:443')");
    }

    @Test
    void malformedEventTypeListsAreRefused() {
        for (String types : new String[] {"ARRAY[]::varchar[]", "ARRAY['completed']", "ARRAY['fileTask.completed', NULL]",
                "ARRAY['fileTask.completed', 'a,b.c']", "ARRAY['fileTask.']", "ARRAY['1x.y']", "ARRAY['a.b c']"}) {
            assertRefused("INSERT INTO webhook_endpoints (account_id, url, event_types) VALUES ('a', "
                    + "'https://example.com', " + types + ")", types);
        }
        dsl.execute("INSERT INTO webhook_endpoints (account_id, url, event_types) VALUES ('a', 'https://example.com', "
                + "ARRAY['fileTask.completed', 'operation.failed', 'a_b.c1.d'])");
    }

    @Test
    void unusableSecretsAndHalfRotationsAreRefused() {
        assertRefused("INSERT INTO webhook_endpoints (account_id, url, secret) VALUES ('a', 'https://e.com', '  ')", "blank");
        assertRefused("INSERT INTO webhook_endpoints (account_id, url, secret) VALUES ('a', 'https://e.com', 'whsec_not base64!')",
                "bad base64");
        assertRefused("INSERT INTO webhook_endpoints (account_id, url, previous_secret) VALUES ('a', 'https://e.com', 'old')",
                "previous secret without expiry");
        assertRefused("INSERT INTO webhook_endpoints (account_id, url) VALUES (' ', 'https://e.com')", "blank account");
        dsl.execute("INSERT INTO webhook_endpoints (account_id, url, secret) VALUES ('a', 'https://e.com', 'plain text secret')");
    }

    /** The CLI and the Java API never accept a URL that the table's CHECK constraints refuse. */
    @Test
    void everyUrlTheCliAcceptsTheTableAcceptsToo() {
        String[] urls = {"https://e.com", "http://e.com:8080/p?q=1#f", "HTTPS://e.com", "Http://e.com",
                "https://e.com/a b", "https://u@e.com", "https://e.com/@x", "https://e.com?x", "https://e.com#x",
                "https://[::1]:8443/x", "https://xn--bcher-kva.example/", "https://e.com/\u00e9", "https:/e.com",
                "https:e.com", "ftp://e.com", "https://e.com/\u00a0", "https://e.com/" + "x".repeat(1990)};
        for (String url : urls) {
            boolean cli = accepted(() -> com.d3.webhooks.network.EndpointUrl.parse(url));
            boolean table = accepted(() -> dsl.execute("INSERT INTO webhook_endpoints (account_id, url) VALUES "
                    + "('a', ?)", url));
            assertTrue(!cli || table, url + ": accepted by the CLI, refused by the table");
        }
    }

    private static boolean accepted(Runnable r) {
        try {
            r.run();
            return true;
        } catch (IllegalArgumentException | DataAccessException e) {
            return false;
        }
    }

    private void assertRefused(String sql, String what) {
        DataAccessException e = assertThrows(DataAccessException.class, () -> dsl.execute(sql), what);
        assertTrue(e.getMessage().contains("violates check constraint"), what + ": " + e.getMessage());
    }
}
