package com.d3.webhooks.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.delivery.EventRouter;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.OldSchema;
import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;

/**
 * The migration to the routing queue on a database that holds events in the old shape: events
 * routed before keep their rows as they were and are not routed again; events not routed yet are
 * queued and routed after it; nothing is lost.
 */
class RoutingQueueMigrationTest {

    @Test
    void eventsNotRoutedBeforeTheMigrationAreRoutedAfterItAndRoutedOnesAreLeftAlone() {
        String url = OldSchema.justBefore("20");
        try (Database db = Database.open(DatabaseConfig.of(url, null, null).withPoolSize(4))) {
            DSLContext dsl = db.dsl();
            dsl.execute("INSERT INTO webhook_endpoints (account_id, url, ordered) VALUES ('acct_1', 'http://127.0.0.1:9/a', true)");
            // As the old router left them: routed with its delivery, rejected, and two not routed yet.
            dsl.execute("""
                    INSERT INTO webhook_outbox (account_id, event_type, payload, ordering_key, routing_state, routed_at,
                                                delivery_count)
                    VALUES ('acct_1', 'fileTask.completed', '{"n": 1}', 'k', 'routed', now(), 1),
                           ('acct_1', 'completed!', '{"n": 2}', NULL, 'rejected', now(), 0),
                           ('acct_1', 'fileTask.completed', '{"n": 3}', 'k', NULL, NULL, 0),
                           ('acct_1', 'fileTask.completed', '{"n": 4}', NULL, NULL, NULL, 0)""");
            dsl.execute("""
                    INSERT INTO webhook_deliveries (outbox_id, event_id, endpoint_id, account_id, event_type,
                                                    ordering_key, state, next_attempt_at, created_at, updated_at)
                    SELECT id, event_id, 1, account_id, event_type, ordering_key, 'pending', now(), now(), now()
                      FROM webhook_outbox WHERE id = 1""");
            String outboxBefore = dsl.fetch("SELECT * FROM webhook_outbox ORDER BY id").formatCSV();

            db.migrate();

            assertEquals(outboxBefore, dsl.fetch("SELECT * FROM webhook_outbox ORDER BY id").formatCSV(),
                    "every event, every column, as it was");
            assertEquals(List.of("3 k", "4 null"), dsl.fetch(
                    "SELECT outbox_id || ' ' || coalesce(ordering_key, 'null') FROM webhook_outbox_unrouted ORDER BY 1")
                    .getValues(0, String.class), "the events not routed yet, and only those, are queued");

            Outbox.insert(dsl, OutboxEvent.of("acct_1", "fileTask.completed", "{\"n\": 5}"));
            assertEquals(3, new EventRouter(dsl, 10, 1 << 20).routeBatch(Instant.now()));

            assertEquals(List.of("1 pending", "3 waiting", "4 pending", "5 pending"), dsl.fetch(
                    "SELECT outbox_id || ' ' || state FROM webhook_deliveries ORDER BY outbox_id")
                    .getValues(0, String.class), "one delivery per event; the key's second waits for its first");
            assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_outbox_unrouted")));
            DataAccessException refused = assertThrows(DataAccessException.class,
                    () -> dsl.execute("DELETE FROM webhook_outbox WHERE id = 3"));
            assertTrue(refused.getMessage().contains("still has deliveries"), refused.getMessage());
            assertEquals(1, dsl.execute("DELETE FROM webhook_outbox WHERE id = 2"), "a rejected event may go");
        }
    }
}
