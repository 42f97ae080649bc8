package com.d3.webhooks.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.TestDatabase;
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

    @Test
    void theDocumentedStatementsWork() {
        long id = dsl.fetchOne("INSERT INTO webhook_endpoints (account_id, url, secret, event_types) "
                + "VALUES ('acct_42', 'https://example.com/hooks', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', "
                + "ARRAY['fileTask.completed', 'operation.failed']) RETURNING id").get(0, Long.class);
        assertEquals(1, dsl.execute("UPDATE webhook_endpoints SET url = 'https://example.com/v2/hooks', "
                + "updated_at = now() WHERE id = ?", id));
        assertEquals(1, dsl.execute("UPDATE webhook_endpoints SET previous_secret = secret, "
                + "previous_secret_expires_at = now() + interval '24 hours', "
                + "secret = 'whsec_dGhlIG5ldyBzZWNyZXQgb2YgMzIgYnl0ZXMgLi4uLi4=', updated_at = now() WHERE id = ?", id));
        assertEquals(1, dsl.execute("UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'customer request', "
                + "disabled_at = now(), updated_at = now() WHERE id = ?", id));
        assertEquals(1, dsl.execute("UPDATE webhook_endpoints SET event_types = NULL WHERE id = ?", id));
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

    private void assertRefused(String sql, String what) {
        DataAccessException e = assertThrows(DataAccessException.class, () -> dsl.execute(sql), what);
        assertTrue(e.getMessage().contains("violates check constraint"), what + ": " + e.getMessage());
    }
}
