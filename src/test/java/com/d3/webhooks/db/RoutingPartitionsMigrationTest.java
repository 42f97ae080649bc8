package com.d3.webhooks.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.d3.webhooks.delivery.EventRouter;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.OldSchema;
import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The migration to routing partitions on a database whose queue holds events in the old shape
 * (queued by the earlier trigger, without a partition): each gets its key's partition, and two
 * routers then route every one of them once, each key in outbox order, beside events queued after.
 */
class RoutingPartitionsMigrationTest {

    private static final int QUEUED_BEFORE = 60;
    private static final int QUEUED_AFTER = 20;

    @Test
    void eventsQueuedBeforeTheMigrationGetTheirKeysPartitionAndAreRoutedInKeyOrder() {
        String url = OldSchema.justBefore("22");
        try (Database db = Database.open(DatabaseConfig.of(url, null, null).withPoolSize(4))) {
            DSLContext dsl = db.dsl();
            dsl.execute("INSERT INTO webhook_endpoints (account_id, url, ordered) VALUES ('acct_1', 'http://127.0.0.1:9/a', true)");
            enqueue(dsl, 0, QUEUED_BEFORE);

            db.migrate();

            assertEquals(QUEUED_BEFORE, dsl.fetchCount(dsl.selectFrom("webhook_outbox_unrouted")), "all still queued");
            assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_outbox_unrouted")
                    .where("routing_partition <> webhook_routing_partition(ordering_key, outbox_id)")),
                    "each queued event in the partition the trigger gives an event like it");
            assertEquals(List.of(1, 1, 1), dsl.fetch("SELECT count(DISTINCT routing_partition) FROM "
                    + "webhook_outbox_unrouted WHERE ordering_key IS NOT NULL GROUP BY ordering_key")
                    .getValues(0, Integer.class), "a key's events share one partition");
            enqueue(dsl, QUEUED_BEFORE, QUEUED_BEFORE + QUEUED_AFTER);

            EventRouter first = new EventRouter(dsl, 7, 1 << 20);
            EventRouter second = new EventRouter(dsl, 7, 1 << 20);
            int routed = 0;
            int n;
            do {
                n = first.routeBatch(Instant.now()) + second.routeBatch(Instant.now());
                routed += n;
            } while (n > 0);

            assertEquals(QUEUED_BEFORE + QUEUED_AFTER, routed, "each event routed once");
            assertEquals(0, dsl.fetchCount(dsl.selectFrom("webhook_outbox_unrouted")));
            List<Boolean> inOrder = dsl.fetch("""
                    SELECT array_agg(outbox_id ORDER BY id) = array_agg(outbox_id ORDER BY outbox_id)
                      FROM webhook_deliveries WHERE ordering_key IS NOT NULL GROUP BY ordering_key""")
                    .getValues(0, Boolean.class);
            assertEquals(List.of(true, true, true), inOrder, "each key's deliveries created in outbox order");
            assertEquals(true, dsl.fetchValue("SELECT bool_and(state = 'pending') FROM webhook_deliveries WHERE "
                    + "ordering_key IS NULL"), "the events without a key may go at once");
        }
    }

    /** Events first to last - 1: three keys in turn, every fourth without a key. */
    private static void enqueue(DSLContext dsl, int first, int last) {
        dsl.transaction(cfg -> {
            for (int i = first; i < last; i++) {
                Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed", "{\"n\": " + i + "}")
                        .withOrderingKey(i % 4 == 3 ? null : "key-" + i % 4));
            }
        });
    }
}
