package com.d3.webhooks.state;

import com.d3.webhooks.state.DeliveryState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.d3.webhooks.delivery.DeliveryRepository.Settlement;
import com.d3.webhooks.testing.TestDatabase;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/** The state machine in code is the one the table allows. */
class DeliveryStateTest {

    @Test
    void theEnumHasExactlyTheStatesTheTableAllows() {
        DSLContext dsl = TestDatabase.get().database().dsl();
        String check = dsl.fetchSingle("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                + "WHERE conname = 'webhook_deliveries_state_check'").get(0, String.class);
        Set<String> allowed = new TreeSet<>();
        Matcher m = Pattern.compile("'([a-z_]+)'").matcher(check);
        while (m.find()) {
            allowed.add(m.group(1));
        }
        Set<String> states = new TreeSet<>(Arrays.stream(DeliveryState.values()).map(DeliveryState::sql).toList());
        assertEquals(allowed, states);
        for (DeliveryState s : DeliveryState.values()) {
            assertEquals(s, DeliveryState.fromSql(s.sql()));
        }
    }

    @Test
    void anAttemptSettlesOnlyByTheMovesOutOfInFlight() {
        assertThrows(IllegalStateException.class,
                () -> new Settlement(1, 1, DeliveryState.SKIPPED, null, null, null));
        assertThrows(IllegalStateException.class,
                () -> new Settlement(1, 1, DeliveryState.WAITING, null, null, null));
        assertEquals(DeliveryState.PENDING, new Settlement(1, 1, DeliveryState.PENDING, null, null, null).state());
    }
}
