package com.d3.webhooks.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The numbers of outbox stats, from rows in known states and times. */
class StatsTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final Rows rows = new Rows(dsl);
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @Test
    void countsPerEndpointAndOverall() {
        long a = fx.endpoint("acct_1", "https://a.example.com", null);
        long b = fx.endpoint("acct_2", "https://b.example.com", null);
        fx.endpoint("acct_3", "https://idle.example.com", null);
        rows.delivery(a, "acct_1", "pending", 0, now.minusSeconds(300));       // due for 5 minutes
        rows.delivery(a, "acct_1", "pending", 1, now.minusSeconds(10));        // due for 10 s
        rows.delivery(a, "acct_1", "pending", 1, now.plusSeconds(600));        // not due yet
        rows.delivery(a, "acct_1", "in_flight", 1, now);
        rows.delivery(a, "acct_1", "succeeded", 1, now.minusSeconds(60));      // last hour
        rows.delivery(a, "acct_1", "succeeded", 1, now.minusSeconds(7200));    // last day
        rows.delivery(a, "acct_1", "failed", 8, now.minusSeconds(1800));       // last hour
        rows.delivery(a, "acct_1", "failed", 8, now.minusSeconds(3 * 86400));  // too old to count
        long bd = rows.delivery(b, "acct_2", "succeeded", 2, now.minusSeconds(30));
        for (int i = 1; i <= 10; i++) {
            rows.attempt(bd, i, i % 2 == 0, i * 10, now.minusSeconds(100));
        }
        rows.attempt(bd, 11, true, 5000, now.minusSeconds(2 * 86400));       // outside the 24 h window

        List<EndpointStats> stats = new Stats(dsl).compute(null, null, now);

        assertEquals(3, stats.size(), "overall, then the two endpoints with activity: " + stats);
        EndpointStats all = stats.get(0);
        EndpointStats sa = stats.get(1);
        EndpointStats sb = stats.get(2);
        assertNull(all.endpointId());
        assertEquals(a, sa.endpointId());
        assertEquals("https://a.example.com", sa.url());
        assertEquals(3, sa.pending());
        assertEquals(2, sa.due());
        assertEquals(300L, sa.oldestDueAgeSeconds());
        assertEquals(1, sa.inFlight());
        assertEquals(1, sa.succeededLastHour());
        assertEquals(2, sa.succeededLastDay());
        assertEquals(1, sa.failedLastHour());
        assertEquals(1, sa.failedLastDay());
        assertEquals(0, sa.attemptsLastDay());
        assertNull(sa.successRate());
        assertNull(sa.p50DurationMs());

        assertEquals(10, sb.attemptsLastDay());
        assertEquals(0.5, sb.successRate());
        assertEquals(55.0, sb.p50DurationMs());
        assertEquals(95.5, sb.p95DurationMs(), 0.001);
        assertEquals(1, sb.succeededLastHour());

        assertEquals(3, all.pending());
        assertEquals(2, all.due());
        assertEquals(300L, all.oldestDueAgeSeconds());
        assertEquals(2, all.succeededLastHour());
        assertEquals(3, all.succeededLastDay());
        assertEquals(10, all.attemptsLastDay());
        assertEquals(0.5, all.successRate());
    }

    @Test
    void oneEndpointOnlyAndAnEmptyDatabase() {
        assertEquals(1, new Stats(dsl).compute(null, null, now).size());
        EndpointStats empty = new Stats(dsl).compute(null, null, now).get(0);
        assertEquals(0, empty.pending());
        assertNull(empty.oldestDueAgeSeconds());

        long a = fx.endpoint("acct_1", "https://a.example.com", null);
        long b = fx.endpoint("acct_2", "https://b.example.com", null);
        rows.delivery(a, "acct_1", "pending", 0, now.minusSeconds(5));
        rows.delivery(b, "acct_2", "pending", 0, now.minusSeconds(5));

        List<EndpointStats> only = new Stats(dsl).compute(b, null, now);
        assertEquals(2, only.size());
        assertEquals(1, only.get(0).pending(), "overall of the selection");
        assertEquals(b, only.get(1).endpointId());
        assertEquals(1, new Stats(dsl).compute(null, "acct_1", now).get(0).due());
    }
}
