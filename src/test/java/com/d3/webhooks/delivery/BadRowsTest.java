package com.d3.webhooks.delivery;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import java.util.Map;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/** Rows the application wrote by plain SQL that cannot be sent: recorded, listable, never fatal. */
class BadRowsTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void unusableRowsAreRejectedWithAReasonAndTheGoodOnesStillGo() {
        TestDatabase.get().reset();
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").maxPayloadBytes(1024).build(),
                     MutableClock.startingNow())) {
            fx.endpoint("acct_1", receiver.url("/hook"), null);
            insert("acct_1", "fileTask.completed", "[1, 2, 3]");
            insert("acct_1", "fileTask.completed", "\"just a string\"");
            insert("acct_1", "fileTask.completed", "{\"blob\": \"" + "x".repeat(2000) + "\"}");
            insert("acct_1", "completed!", "{}");
            insert("acct_1", "", "{}");
            insert("", "fileTask.completed", "{}");
            insert("acct_1", "fileTask.completed", "{\"ok\": true}");
            insert("acct_without_endpoint", "fileTask.completed", "{}");

            worker.drainDue();

            assertEquals(1, receiver.received().size());
            assertTrue(receiver.received().get(0).bodyText().contains("\"ok\": true"));
            Map<String, String> outcome = dsl.select(WEBHOOK_OUTBOX.ID, WEBHOOK_OUTBOX.ROUTING_STATE,
                            WEBHOOK_OUTBOX.ROUTING_ERROR).from(WEBHOOK_OUTBOX).orderBy(WEBHOOK_OUTBOX.ID).fetch()
                    .stream().collect(Collectors.toMap(r -> String.valueOf(r.value1()),
                            r -> r.value2() + (r.value3() == null ? "" : ": " + r.value3())));
            assertEquals("rejected: payload must be a JSON object, got a JSON array", outcome.get("1"));
            assertEquals("rejected: payload must be a JSON object, got a JSON string", outcome.get("2"));
            assertTrue(outcome.get("3").matches("rejected: payload is \\d+ bytes, over the limit of 1024 bytes"),
                    outcome.get("3"));
            assertTrue(outcome.get("4").startsWith("rejected: event type 'completed!' is malformed"), outcome.get("4"));
            assertEquals("rejected: event type is empty", outcome.get("5"));
            assertEquals("rejected: account_id is empty", outcome.get("6"));
            assertEquals("routed", outcome.get("7"));
            assertEquals("no_endpoint", outcome.get("8"));
        }
    }

    private void insert(String account, String type, String payload) {
        dsl.execute("INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES (?, ?, ?::jsonb)",
                account, type, payload);
    }
}
