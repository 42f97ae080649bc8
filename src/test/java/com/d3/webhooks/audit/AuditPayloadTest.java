package com.d3.webhooks.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import com.d3.webhooks.delivery.WebhookBody;
import com.d3.webhooks.operations.Prune;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.OldSchema;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit log keeps no copy of the request body (migrations/V21): webhook_audit_logs rebuilds
 * it from the outbox row, and must show exactly the bytes the worker sent and signed.
 */
class AuditPayloadTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @Test
    void theBodyRebuiltInSqlIsByteForByteTheOneTheWorkerSends() {
        StringBuilder controls = new StringBuilder();
        for (char c = 1; c < 0x20; c++) {
            controls.append(c);
        }
        List<String> texts = List.of("fileTask.completed", "", "a\"b\\c/d", controls.toString(),
                "\u007f\u0080\u00e9\u2028\u2029\uffff", "\u4e2d\u6587 \ud83d\ude00 emoji", "\\u0041 is not A",
                "</script>&<'>");
        List<String> times = List.of("2026-12-02 10:00:00+00", "2026-12-02 10:00:00.1+00", "2026-12-02 10:00:00.12+00",
                "2026-12-02 10:00:00.123+00", "2026-12-02 10:00:00.1234+00", "2026-12-02 10:00:00.123456+00",
                "2026-12-02 10:00:00.000001+00", "2026-12-02 10:00:00.999999+00", "2026-06-30 23:59:59.5-09:30",
                "1970-01-01 00:00:00+00", "0001-01-01 00:00:00+00", "0001-01-01 00:00:00+00 BC",
                "0044-03-15 12:00:00.25+00 BC", "9999-12-31 23:59:59.999999+00", "10000-01-01 00:00:00+00",
                "294276-12-31 23:59:59+00", "infinity", "-infinity");
        List<String> payloads = List.of("{}", "{\"s\": \"q\\\" b\\\\ n\\n u\\u0001 \u00e9 \ud83d\ude00\", \"n\": 1.50, "
                + "\"e\": 1e3, \"a\": [true, null, {\"z\": 1, \"a\": 2}]}");
        int n = Math.max(texts.size(), times.size());
        for (int i = 0; i < n; i++) {
            dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload, occurred_at) "
                            + "VALUES (?, ?, ?::jsonb, ?::timestamptz)", texts.get((i + 3) % texts.size()),
                    texts.get(i % texts.size()), payloads.get(i % payloads.size()), times.get(i % times.size()));
        }

        for (String timeZone : List.of("UTC", "Asia/Kolkata", "America/St_Johns")) {
            List<String> mismatches = new ArrayList<>();
            dsl.connection(c -> {
                c.createStatement().execute("SET TimeZone = '" + timeZone + "'");
                // Read as the worker reads a claimed delivery (DeliveryRepository): payload::text, occurred_at.
                try (PreparedStatement ps = c.prepareStatement("SELECT event_id, event_type, occurred_at, account_id, "
                        + "payload::text AS payload, webhook_event_body(event_id, event_type, occurred_at, account_id, "
                        + "payload) AS rebuilt FROM webhook_outbox ORDER BY id");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String sent = new String(WebhookBody.of(rs.getObject("event_id", UUID.class),
                                rs.getString("event_type"), rs.getObject("occurred_at", OffsetDateTime.class),
                                rs.getString("account_id"), rs.getString("payload")), StandardCharsets.UTF_8);
                        if (!sent.equals(rs.getString("rebuilt"))) {
                            mismatches.add("sent    " + sent + "\nrebuilt " + rs.getString("rebuilt"));
                        }
                    }
                }
                c.createStatement().execute("RESET TimeZone");
            });
            assertEquals(List.of(), mismatches, "session TimeZone " + timeZone);
        }
    }

    @Test
    void attemptsKeepNoCopyAndTheViewShowsTheEventsBody() {
        long endpoint = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hook", null);
        long delivery = new Rows(dsl).delivery(endpoint, "acct_1", "succeeded", 1, Instant.now());
        UUID event = dsl.fetchSingle("SELECT event_id FROM webhook_outbox").get(0, UUID.class);
        AuditLog.append(dsl, List.of(new AuditEntry(delivery, event, endpoint, "acct_1", "fileTask.completed",
                "https://example.com/hook", 1, AuditEntry.SUCCESS, 200, "ok", null, 5, "w-1", Instant.now())));

        assertEquals("NULL NULL NULL", dsl.fetchValue("SELECT concat_ws(' ', coalesce(account_id, 'NULL'), "
                + "coalesce(event_type, 'NULL'), coalesce(payload, 'NULL')) FROM webhook_audit_attempts"));
        assertEquals(dsl.fetchValue("SELECT 'acct_1 fileTask.completed ' || webhook_event_body(event_id, event_type, "
                        + "occurred_at, account_id, payload) FROM webhook_outbox"),
                dsl.fetchValue("SELECT concat_ws(' ', account_id, event_type, payload) FROM webhook_audit_logs"));
    }

    @Test
    void theBodyOfAnEventOnceAttemptedCannotChange() {
        long endpoint = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hook", null);
        Rows rows = new Rows(dsl);
        long sent = rows.delivery(endpoint, "acct_1", "succeeded", 1, Instant.now());
        long waiting = rows.delivery(endpoint, "acct_1", "pending", 0, Instant.now());
        String sentEvent = "id = (SELECT outbox_id FROM webhook_deliveries WHERE id = " + sent + ")";

        for (String change : List.of("payload = '{\"n\": 2}'", "event_type = 'other'", "account_id = 'acct_2'",
                "occurred_at = occurred_at + interval '1 second'", "event_id = gen_random_uuid()")) {
            var e = assertThrows(DataAccessException.class,
                    () -> dsl.execute("UPDATE webhook_outbox SET " + change + " WHERE " + sentEvent));
            assertTrue(e.getMessage().contains("has been sent"), e.getMessage());
        }
        assertEquals(1, dsl.execute("UPDATE webhook_outbox SET payload = payload, routing_error = 'x' WHERE "
                + sentEvent), "unchanged body fields, and the routing columns, may be written");
        assertEquals(1, dsl.execute("UPDATE webhook_outbox SET payload = '{\"n\": 2}' WHERE id = (SELECT outbox_id "
                + "FROM webhook_deliveries WHERE id = " + waiting + ")"), "an event not attempted yet may change");
    }

    @Test
    void rowsWrittenBeforeTheMigrationKeepTheirOwnPayloadEvenWhenTheirEventIsGone() {
        String url = OldSchema.justBefore("21");
        try (Database db = Database.open(DatabaseConfig.of(url, null, null).withPoolSize(2))) {
            DSLContext old = db.dsl();
            old.execute("INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES ('acct_1', 't.kept', '{}')");
            UUID kept = old.fetchSingle("SELECT event_id FROM webhook_outbox").get(0, UUID.class);
            String insert = "INSERT INTO webhook_audit_logs (delivery_id, event_id, endpoint_id, account_id, event_type, "
                    + "target_url, payload, attempt_number, status, duration_ms, worker_id, sent_at) "
                    + "VALUES (?, ?, 1, 'acct_1', 't', 'https://example.com/hook', ?, 1, ?, 5, 'w-1', now())";
            old.execute(insert, 1L, kept, "{\"id\":\"as sent then\"}", "success");
            old.execute(insert, 2L, UUID.randomUUID(), "{\"id\":\"event pruned since\"}", "failed");
            old.execute(insert, 3L, kept, "", "skipped");
            String before = old.fetch("SELECT * FROM webhook_audit_logs ORDER BY id").formatCSV();

            db.migrate();

            assertEquals(before, old.fetch("SELECT * FROM webhook_audit_logs ORDER BY id").formatCSV());
            assertEquals(3, old.fetchCount(old.selectFrom("webhook_audit_attempts").where("payload IS NOT NULL")),
                    "no row rewritten");
        }
    }

    @Test
    void pruneNeverLeavesAnAttemptWithoutTheEventItsBodyComesFrom() throws Exception {
        Fixtures fx = new Fixtures(dsl);
        Rows rows = new Rows(dsl);
        Instant now = Instant.now();
        Instant old = now.minus(Duration.ofDays(40));
        long endpoint = fx.endpoint("acct_1", "https://example.com/hook", null);
        // Failed 40 days ago, replayed, succeeded 5 days ago: the old attempt goes, the recent one stays.
        long replayed = rows.delivery(endpoint, "acct_1", "succeeded", 2, old);
        dsl.execute("UPDATE webhook_deliveries SET completed_at = ?::timestamptz WHERE id = ?",
                Rows.utc(now.minus(Duration.ofDays(5))), replayed);
        rows.attempt(replayed, 1, false, 10, old);
        rows.attempt(replayed, 2, true, 10, now.minus(Duration.ofDays(5)));
        long gone = rows.delivery(endpoint, "acct_1", "succeeded", 1, old);
        rows.attempt(gone, 1, true, 10, old);

        Prune prune = new Prune(dsl);
        Prune.Counts counts = prune.run(now.minus(Duration.ofDays(30)), 10, Duration.ZERO, (t, x) -> { });
        assertEquals(new Prune.Counts(2, 1, 1, counts.auditPartitions()), counts);
        assertEquals(List.of(replayed + " 2 " + dsl.fetchValue("SELECT webhook_event_body(event_id, event_type, "
                        + "occurred_at, account_id, payload) FROM webhook_outbox")),
                dsl.fetch("SELECT delivery_id || ' ' || attempt_number || ' ' || coalesce(payload, 'NULL') "
                        + "FROM webhook_audit_logs").getValues(0, String.class));

        prune.run(now, 10, Duration.ZERO, (t, x) -> { });
        assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_audit_attempts")), "the attempt went with its event");
        assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_outbox")));
    }
}
