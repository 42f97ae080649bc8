package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.bench.AutoExplain;
import com.d3.webhooks.state.DeliveryState;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The settle finds its batch's rows by primary key. A plan kept by the session joined the batch
 * against every in-flight delivery of every worker through the lease index, so its cost grew with
 * the deliveries in flight rather than with the batch; one kept from when the table was nearly
 * empty scanned all of it.
 */
class SettlePlanTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final DeliveryRepository repository = new DeliveryRepository(dsl);

    /**
     * {@code analyzed}: statistics taken after the table grew (the in-flight rows are few in them);
     * or none since it was empty, so that only a plan made at the call sees its size.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSessionsSettleProbesThePrimaryKeyWhileManyDeliveriesAreInFlight(boolean analyzed) throws Exception {
        TestDatabase.get().reset();
        // Statistics of the empty table, as autovacuum takes them of a new one: plans made now scan it.
        dsl.execute("ANALYZE webhook_deliveries");
        long endpoint = new Fixtures(dsl).endpoint("acct_1", "http://127.0.0.1:9/hook", null);
        // One session throughout, as a worker's pooled connection: its plans are the ones kept.
        try (Connection session = DriverManager.getConnection(TestDatabase.get().jdbcUrl())) {
            DSLContext own = DSL.using(session, SQLDialect.POSTGRES);
            for (int i = 0; i < 12; i++) {
                assertTrue(own.transactionResult(cfg -> repository.settle(cfg.dsl(), "w-1", batch(1, 10),
                        Instant.now())).isEmpty(), "nothing is in flight yet");
            }
            dsl.execute("""
                    INSERT INTO webhook_outbox (account_id, event_type, payload)
                    SELECT 'acct_1', 'fileTask.completed', '{}' FROM generate_series(1, 20000)""");
            // 800 deliveries in flight, 100 for each of eight workers, among 20,000.
            dsl.execute("""
                    INSERT INTO webhook_deliveries (outbox_id, event_id, endpoint_id, account_id, event_type, state,
                           attempts, locked_by, locked_until, next_attempt_at, created_at, updated_at)
                    SELECT id, event_id, ?, account_id, event_type,
                           CASE WHEN in_flight THEN 'in_flight' ELSE 'succeeded' END, 1,
                           CASE WHEN in_flight THEN 'w-' || (id % 8 + 1) END,
                           CASE WHEN in_flight THEN now() + interval '1 minute' END, now(), now(), now()
                      FROM (SELECT *, id % 25 = 0 AS in_flight FROM webhook_outbox) o""", endpoint);
            if (analyzed) {
                dsl.execute("ANALYZE webhook_deliveries");
            }
            List<Long> ids = dsl.fetch("SELECT id FROM webhook_deliveries WHERE locked_by = 'w-1' ORDER BY id LIMIT 10")
                    .getValues(0, Long.class);

            String plan = settlePlan(session, ids);
            assertFalse(plan.contains("webhook_deliveries_lease_idx"), plan);
            assertFalse(plan.contains("Seq Scan on webhook_deliveries"), "a plan kept from the empty table: " + plan);
            if (analyzed) {
                // Without statistics of the grown table the planner may as well walk another index
                // whole (endpoint_idx, which ends with the id); with them, the primary key wins.
                assertTrue(plan.contains("Index Scan using webhook_deliveries_pkey")
                        || plan.contains("Bitmap Index Scan on webhook_deliveries_pkey"), plan);
            }
        }
    }

    private static List<DeliveryRepository.Settlement> batch(long first, int count) {
        return LongStream.range(first, first + count).mapToObj(SettlePlanTest::settlement).toList();
    }

    private static DeliveryRepository.Settlement settlement(long id) {
        return new DeliveryRepository.Settlement(id, 1, DeliveryState.SUCCEEDED, null, 200, null);
    }

    /** The settle's plan as auto_explain sends it to this session, in a rolled-back transaction. */
    private String settlePlan(Connection session, List<Long> ids) throws Exception {
        session.setAutoCommit(false);
        try {
            AutoExplain.enableForTransaction(session);
            List<String> notices = new ArrayList<>();
            Set<Long> applied = repository.settle(DSL.using(AutoExplain.recording(session, notices), SQLDialect.POSTGRES),
                    "w-1", ids.stream().map(SettlePlanTest::settlement).toList(), Instant.now());
            assertEquals(Set.copyOf(ids), applied, "the fence lets the owner's attempts through");
            return AutoExplain.planOf(notices, "UPDATE webhook_deliveries");
        } finally {
            session.rollback();
        }
    }
}
