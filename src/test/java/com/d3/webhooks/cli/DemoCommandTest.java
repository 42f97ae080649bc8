package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.demo.DemoDatabase;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.OtlpCollector;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code outbox demo} end to end, as a person runs it: a database of its own on the test server
 * (created by the demo), a receiver and a worker in this JVM, real HTTP, real signatures.
 */
class DemoCommandTest {

    private static final List<String> EVENT_TYPES =
            List.of("fileTask.completed", "fileTask.failed", "operation.completed", "operation.failed");

    private final String database = "outbox_demo_test_" + UUID.randomUUID().toString().substring(0, 8);
    private final String url = DemoDatabase.withDatabaseName(TestDatabase.get().jdbcUrl(), database);

    record Run(int exit, String out, String err) {
    }

    @AfterEach
    void dropDemoDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(DemoDatabase.withDatabaseName(url, "postgres"));
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    @Test
    void runsTwiceOnItsOwnDatabaseDeliveringEveryEventTypeWithOneRetryAndVerifiedSignatures() throws Exception {
        Run first = demo("demo", "--database-url", url);

        assertEquals(0, first.exit(), first.err() + first.out());
        assertTrue(first.out().contains(database + " on ") && first.out().contains("(created now)"), first.out());
        assertTrue(Pattern.compile("operation\\.completed +delivery \\d+ +attempt 1 +HTTP 503 +retrying in 1s "
                + "+signature verified").matcher(first.out()).find(), first.out());
        assertTrue(Pattern.compile("operation\\.completed +delivery \\d+ +attempt 2 +HTTP 200 +succeeded "
                + "+signature verified").matcher(first.out()).find(), first.out());
        assertFalse(first.out().contains("signature rejected"), first.out());
        assertTrue(first.out().contains("All 10 deliveries succeeded"), first.out());
        String firstAccount = account(first.out());
        for (String type : EVENT_TYPES) {
            assertTrue(first.out().contains("\n" + type + " "), type + " missing in the summary:\n" + first.out());
        }
        assertTrue(first.out().contains("\ntotal                10          11        10         1         11\n"),
                first.out());
        assertTrue(first.out().contains("bin/outbox endpoints list --database-url '" + url + "' --account "
                + firstAccount), first.out());

        Run second = demo("demo", "--database-url", url, "--json");

        assertEquals(0, second.exit(), second.err());
        assertTrue(second.err().contains(database + " on ") && second.err().contains("(exists)"), second.err());
        JsonNode doc = new ObjectMapper().readTree(second.out());
        String account = doc.get("accountId").asText();
        assertNotEquals(firstAccount, account);
        assertTrue(doc.get("ok").asBoolean());
        assertSummary(doc);
        assertAttempts(doc);
        assertEquals(List.of("completed", "partially_completed", "failed"),
                doc.get("tasks").findValuesAsText("status"));
        assertTheDatabaseSaysTheSame(account, doc);
        assertTheEndpointsCommandShowsTheReceiver(account, doc.get("endpointUrl").asText());
    }

    @Test
    void anUnreachableServerGivesOneLineOfAdviceAndExit1() {
        Run run = demo("demo", "--database-url", "jdbc:postgresql://127.0.0.1:1/outbox_demo?user=postgres");

        assertEquals(1, run.exit());
        assertEquals("", run.out());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("outbox demo: cannot reach PostgreSQL at 127.0.0.1:1"), run.err());
        assertTrue(lines.get(0).contains("'pg_ctlcluster --skip-systemctl-redirect 15 main start'"), run.err());
        assertTrue(lines.get(0).contains("--database-url 'jdbc:postgresql://HOST:5432/outbox_demo?user=USER'"),
                run.err());
    }

    @Test
    void refusesADatabaseThatServesOtherAccountsAndWritesNothing() {
        TestDatabase db = TestDatabase.get();
        db.reset();
        new Fixtures(db.database().dsl()).endpoint("acct_1", "https://example.com/hooks", null);

        Run run = demo("demo", "--database-url", db.jdbcUrl());

        assertEquals(1, run.exit());
        assertTrue(run.err().contains("has 1 endpoint(s) of accounts the demo did not create"), run.err());
        assertEquals(1, db.database().dsl().fetchCount(com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS));
        assertEquals(0, db.database().dsl().fetchCount(com.d3.webhooks.db.schema.Tables.MAIN_TASKS));
    }

    @Test
    void withTracingConfiguredEachLineShowsItsTraceAndTheSpansAreExported() throws Exception {
        Run run;
        try (OtlpCollector collector = new OtlpCollector()) {
            System.setProperty("otel.exporter.otlp.endpoint", collector.endpoint());
            try {
                run = demo("demo", "--database-url", url);
            } finally {
                System.clearProperty("otel.exporter.otlp.endpoint");
            }
            assertEquals(0, run.exit(), run.out() + run.err());
            Matcher retried = Pattern.compile("operation\\.completed +delivery (\\d+) +attempt 1 +HTTP 503 .* trace "
                    + "([0-9a-f]{32}) ").matcher(run.out());
            assertTrue(retried.find(), run.out());
            String traceId = retried.group(2);
            assertTrue(Pattern.compile("delivery " + retried.group(1) + " +attempt 2 +HTTP 200 .* trace " + traceId)
                    .matcher(run.out()).find(), "both attempts in the trace of the task change: " + run.out());
            long lines = run.out().lines().filter(l -> l.contains(" attempt ")).count();
            long traced = run.out().lines().filter(l -> l.matches(".* attempt .* trace [0-9a-f]{32} .*")).count();
            assertEquals(lines, traced, run.out());
            assertTrue(collector.hasTrace(traceId), "the worker's spans of that trace were exported");
        }
    }

    @Test
    void helpDescribesTheDemo() {
        Run run = demo("demo", "--help");

        assertEquals(0, run.exit());
        assertTrue(run.out().contains("The whole product in one run"), run.out());
        assertTrue(run.out().contains("--database-url"), run.out());
    }

    // ---------------------------------------------------------------- helpers

    private static Run demo(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String account(String out) {
        Matcher m = Pattern.compile("Summary of account (demo_[0-9a-f]{8}),").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    /** Every type delivered once per event, every attempt's signatures verified, one retry. */
    private static void assertSummary(JsonNode doc) {
        Map<String, JsonNode> rows = new TreeMap<>();
        doc.get("summary").forEach(r -> rows.put(r.get("eventType").asText(), r));
        assertEquals(EVENT_TYPES, new ArrayList<>(rows.keySet()));
        Map<String, Integer> deliveries = Map.of("fileTask.completed", 4, "fileTask.failed", 3,
                "operation.completed", 2, "operation.failed", 1);
        rows.forEach((type, r) -> {
            int retries = type.equals("operation.completed") ? 1 : 0;
            assertEquals(deliveries.get(type), r.get("deliveries").asInt(), type);
            assertEquals(deliveries.get(type) + retries, r.get("attempts").asInt(), type);
            assertEquals(deliveries.get(type), r.get("successes").asInt(), type);
            assertEquals(retries, r.get("failures").asInt(), type);
            assertEquals(r.get("attempts").asInt(), r.get("signaturesVerified").asInt(), type);
        });
        JsonNode total = doc.get("total");
        assertEquals(10, total.get("deliveries").asInt());
        assertEquals(11, total.get("attempts").asInt());
        assertEquals(11, total.get("signaturesVerified").asInt());
    }

    /** One line per attempt; the only non-200 is the 503, on the partial operation, retried once. */
    private static void assertAttempts(JsonNode doc) {
        JsonNode attempts = doc.get("attempts");
        assertEquals(11, attempts.size());
        List<JsonNode> rejected = new ArrayList<>();
        for (JsonNode a : attempts) {
            assertTrue(a.get("receiver").get("verified").asBoolean(), a.toString());
            if (a.get("httpStatus").asInt() != 200) {
                rejected.add(a);
            } else {
                assertEquals("succeeded", a.get("outcome").asText());
            }
        }
        assertEquals(1, rejected.size());
        JsonNode once = rejected.get(0);
        assertEquals(503, once.get("httpStatus").asInt());
        assertEquals("operation.completed", once.get("eventType").asText());
        assertEquals("retrying", once.get("outcome").asText());
        long deliveryId = once.get("deliveryId").asLong();
        boolean retried = false;
        for (JsonNode a : attempts) {
            retried |= a.get("deliveryId").asLong() == deliveryId && a.get("attempt").asInt() == 2;
        }
        assertTrue(retried, attempts.toString());
    }

    /** The printed psql statements run, and the summary statement gives the summary's numbers. */
    private void assertTheDatabaseSaysTheSame(String account, JsonNode doc) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (JsonNode inspect : doc.get("inspect")) {
                String command = inspect.get("command").asText();
                if (!command.startsWith("psql ")) {
                    continue;
                }
                assertTrue(command.startsWith("psql '" + DemoDatabase.psqlUri(url, null) + "' -c \""), command);
                String sql = command.substring(command.indexOf("-c \"") + 4, command.length() - 1);
                assertTrue(sql.contains("'" + account + "'"), sql);
                try (ResultSet rs = s.executeQuery(sql)) {
                    assertTrue(rs.next(), sql);
                }
            }
            String summarySql = doc.get("inspect").get(0).get("command").asText();
            summarySql = summarySql.substring(summarySql.indexOf("-c \"") + 4, summarySql.length() - 1);
            try (ResultSet rs = s.executeQuery(summarySql)) {
                int i = 0;
                while (rs.next()) {
                    JsonNode row = doc.get("summary").get(i++);
                    assertEquals(row.get("eventType").asText(), rs.getString("event_type"));
                    assertEquals(row.get("attempts").asInt(), rs.getInt("attempts"));
                    assertEquals(row.get("failures").asInt(), rs.getInt("failures"));
                }
                assertEquals(4, i);
            }
            try (ResultSet rs = s.executeQuery("SELECT response_status, attempt_number FROM webhook_audit_logs "
                    + "WHERE account_id = '" + account + "' AND status = 'failed'")) {
                assertTrue(rs.next());
                assertEquals(503, rs.getInt(1));
                assertEquals(1, rs.getInt(2));
                assertFalse(rs.next());
            }
        }
    }

    private void assertTheEndpointsCommandShowsTheReceiver(String account, String receiverUrl) {
        Run list = demo("endpoints", "list", "--database-url", url, "--account", account);

        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().contains(account) && list.out().contains(receiverUrl), list.out());
    }
}
