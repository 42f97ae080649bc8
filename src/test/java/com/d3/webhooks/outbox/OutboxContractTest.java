package com.d3.webhooks.outbox;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OutboxContractTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @Test
    void theDocumentedSqlInsertWorksWithOnlyTheRequiredColumns() throws Exception {
        try (Connection c = TestDatabase.get().database().dataSource().getConnection();
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO webhook_outbox (account_id, event_type, payload) VALUES (?, ?, ?::jsonb)")) {
            s.setString(1, "acct_1");
            s.setString(2, "fileTask.completed");
            s.setString(3, "{\"fileTaskId\": \"f1\"}");
            assertEquals(1, s.executeUpdate());
        }
        var row = dsl.selectFrom(WEBHOOK_OUTBOX).fetchSingle();
        assertTrue(row.getEventId() != null && row.getOccurredAt() != null, "event_id and occurred_at defaulted");
    }

    @Test
    void anEventInsertedInATransactionThatRollsBackLeavesNothing() {
        assertThrows(IllegalStateException.class, () -> dsl.transaction(cfg -> {
            Outbox.insert(cfg.dsl(), OutboxEvent.of("acct_1", "fileTask.completed", "{}"));
            throw new IllegalStateException("the application's own work failed");
        }));
        assertEquals(0, dsl.fetchCount(WEBHOOK_OUTBOX));
    }

    @Test
    void reinsertingTheSameEventIdIsIgnored() {
        UUID id = UUID.randomUUID();
        OutboxEvent event = OutboxEvent.of("acct_1", "fileTask.failed", "{\"error\": \"x\"}").withEventId(id);
        assertEquals(Optional.of(id), Outbox.insert(dsl, event));
        assertEquals(Optional.empty(), Outbox.insert(dsl, event));
        assertEquals(1, dsl.fetchCount(WEBHOOK_OUTBOX));
    }

    @Test
    void theJavaApiJoinsACallersJdbcTransaction() throws Exception {
        try (Connection c = TestDatabase.get().database().dataSource().getConnection()) {
            c.setAutoCommit(false);
            Outbox.insert(c, OutboxEvent.of("acct_1", "operation.completed", "{}"));
            c.rollback();
        }
        assertEquals(0, dsl.fetchCount(WEBHOOK_OUTBOX));
    }

    @Test
    void theJavaApiRefusesAMalformedEventTypeBeforeWriting() {
        var e = assertThrows(IllegalArgumentException.class, () -> OutboxEvent.of("acct_1", "completed!", "{}"));
        assertTrue(e.getMessage().contains("malformed"), e.getMessage());
    }
}
