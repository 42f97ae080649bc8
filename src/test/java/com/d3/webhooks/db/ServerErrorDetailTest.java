package com.d3.webhooks.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.WorkerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's error detail ("Failing row contains (...)") repeats the whole row, secrets
 * included: no connection of this program puts it into an exception's text, so it reaches no
 * terminal and no log.
 */
class ServerErrorDetailTest {

    private static final String SECRET = "whsec_c2VjcmV0LW5ldmVyLXRvLWJlLXNob3du";
    private static final String PREVIOUS = "previous-secret-0b7f2d9e61c4";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private long id;

    @BeforeEach
    void endpointWithSecrets() {
        TestDatabase.get().reset();
        id = dsl.resultQuery("INSERT INTO webhook_endpoints (account_id, url, secret, previous_secret, "
                + "previous_secret_expires_at) VALUES ('acct_1', 'https://e.example/h', ?, ?, now() + interval '1 day') "
                + "RETURNING id", SECRET, PREVIOUS).fetchOne(0, Long.class);
    }

    @Test
    void theServicePoolKeepsTheRowOutOfErrors() {
        var e = assertThrows(DataAccessException.class,
                () -> dsl.execute("UPDATE webhook_endpoints SET url = 'HTTPS://x.example' WHERE id = ?", id));

        assertNoSecretIn(e);
        assertTrue(everything(e).contains("webhook_endpoints_url_scheme_check"), everything(e));
    }

    @Test
    void anyOtherConnectionOfTheProgramKeepsItOutToo() throws SQLException {
        try (Connection c = DriverManager.getConnection(TestDatabase.get().jdbcUrl());
             Statement s = c.createStatement()) {
            var e = assertThrows(SQLException.class,
                    () -> s.execute("UPDATE webhook_endpoints SET url = 'HTTPS://x.example' WHERE id = " + id));
            assertNoSecretIn(e);
        }
    }

    @Test
    void aUrlTheTableRefusesIsRefusedByTheCliFirst() {
        WorkerProcess.Cli run = WorkerProcess.cli("update-upper-case-scheme", Map.of("OUTBOX_DEBUG", "1"),
                "endpoints", "update", Long.toString(id), "--url", "HTTPS://x.example",
                "--database-url", TestDatabase.get().jdbcUrl());

        assertEquals(2, run.exit(), run.output());
        assertTrue(run.output().contains("endpoint URL has scheme 'HTTPS': write it in lower case"), run.output());
        assertFalse(run.output().contains(SECRET) || run.output().contains(PREVIOUS), run.output());
    }

    @Test
    void aConstraintErrorInACommandShowsNoSecretEvenWithStackTraces() {
        // A check the CLI cannot know of: the database refuses what the CLI let through.
        dsl.execute("ALTER TABLE webhook_endpoints ADD CONSTRAINT test_description_check CHECK (description <> 'boom')");
        try {
            WorkerProcess.Cli run = WorkerProcess.cli("update-constraint-error",
                    Map.of("OUTBOX_DEBUG", "1", "OUTBOX_LOG_LEVEL", "DEBUG"), "endpoints", "update",
                    Long.toString(id), "--description", "boom", "--database-url", TestDatabase.get().jdbcUrl());

            assertEquals(1, run.exit(), run.output());
            assertTrue(run.output().contains("test_description_check"), run.output());
            assertFalse(run.output().contains(SECRET) || run.output().contains(PREVIOUS), run.output());
        } finally {
            dsl.execute("ALTER TABLE webhook_endpoints DROP CONSTRAINT test_description_check");
        }
    }

    private static void assertNoSecretIn(Throwable e) {
        String text = everything(e);
        for (String secret : List.of(SECRET, PREVIOUS)) {
            assertFalse(text.contains(secret), text);
        }
    }

    /** Every message, toString and stack trace line of the exception and its causes. */
    private static String everything(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.append(t.toString()).append('\n');
            if (t instanceof SQLException s && s.getNextException() != null) {
                out.append(s.getNextException().toString());
            }
        }
        return out.toString();
    }
}
