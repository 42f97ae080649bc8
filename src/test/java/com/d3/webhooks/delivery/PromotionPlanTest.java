package com.d3.webhooks.delivery;

import com.d3.webhooks.ordering.OrderedKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.bench.AutoExplain;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * The promotion keeps its plans for the session (migration V11's function). A plan made while
 * webhook_deliveries was nearly empty must still be index probes once the table has grown: a
 * kept sequential scan read the whole table for every recorded batch, and a bench drain fell
 * from ~2,200 to 59 deliveries/s.
 */
class PromotionPlanTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @Test
    void aPlanMadeOnAnEmptyTableStillProbesTheIndexOnceTheTableHasGrown() throws Exception {
        TestDatabase.get().reset();
        long endpoint = new Fixtures(dsl).orderedEndpoint("acct_1", "http://127.0.0.1:9/hook", null);
        List<OrderedKeys.Key> keys = IntStream.range(0, 16).mapToObj(i -> new OrderedKeys.Key(endpoint, "k" + i))
                .toList();
        // One session throughout, as a worker's pooled connection: its plans are the ones kept.
        try (Connection session = DriverManager.getConnection(TestDatabase.get().jdbcUrl())) {
            DSLContext own = DSL.using(session, SQLDialect.POSTGRES);
            for (int i = 0; i < 10; i++) {
                assertEquals(0, OrderedKeys.promoteHeads(own, keys, Instant.now()), "nothing waits yet");
            }
            dsl.execute("""
                    INSERT INTO webhook_outbox (account_id, event_type, payload, ordering_key)
                    SELECT 'acct_1', 'fileTask.completed', '{}', 'k' || (i % 2000) FROM generate_series(1, 20000) i""");
            dsl.execute("""
                    INSERT INTO webhook_deliveries (outbox_id, event_id, endpoint_id, account_id, event_type,
                           ordering_key, state, next_attempt_at, created_at, updated_at)
                    SELECT id, event_id, ?, account_id, event_type, ordering_key, 'waiting', now(), now(), now()
                      FROM webhook_outbox""", endpoint);

            String plan = promotionPlan(session, keys);
            assertFalse(plan.contains("Seq Scan on webhook_deliveries"), plan);
            assertTrue(plan.contains("Index Scan using webhook_deliveries_ordering_idx"), plan);
            assertTrue(plan.contains("rows=16 loops=1"), "the 16 keys' first waiting deliveries promoted:\n" + plan);
        }
    }

    /** The plan of the promotion's UPDATE as auto_explain sends it to this session, in a rolled-back transaction. */
    private static String promotionPlan(Connection session, List<OrderedKeys.Key> keys) throws Exception {
        session.setAutoCommit(false);
        try {
            AutoExplain.enableForTransaction(session);
            List<String> notices = new ArrayList<>();
            OrderedKeys.promoteHeads(DSL.using(AutoExplain.recording(session, notices), SQLDialect.POSTGRES), keys,
                    Instant.now());
            return AutoExplain.planOf(notices, "UPDATE webhook_deliveries");
        } finally {
            session.rollback();
        }
    }
}
