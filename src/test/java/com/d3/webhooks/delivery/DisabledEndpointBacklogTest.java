package com.d3.webhooks.delivery;

import com.d3.webhooks.endpoints.PausedDeliveries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.endpoints.EndpointRepository;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A disabled endpoint's deliveries are paused: never claimed while it stays disabled, whatever
 * disabled it (an operator, the dashboard's SQL, a 410 answer), so they cost the other endpoints
 * nothing; enabling it, from the CLI or with the dashboard's plain UPDATE, makes them due at once.
 */
class DisabledEndpointBacklogTest {

    private static final int BACKLOG = 40;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final TestReceiver receiver = new TestReceiver();
    private final EndpointRepository endpoints = new EndpointRepository(dsl);
    private final AtomicInteger claimed = new AtomicInteger();
    private final DeliveryListener claims = new DeliveryListener() {
        @Override
        public void recorded(AuditEntry entry, String settledAs) {
        }

        @Override
        public void claimed(int deliveries) {
            claimed.addAndGet(deliveries);
        }
    };

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    @Test
    void aDisabledEndpointsBacklogIsNeverClaimedWhileAHealthyEndpointsDeliveriesFlow() {
        long off = backlogOf("acct_off", "/off");
        fx.endpoint("acct_on", receiver.url("/on"), null);
        endpoints.disable(off, "maintenance", clock.instant());

        try (Worker worker = worker(100)) {
            for (int minute = 0; minute < 3; minute++) {
                for (int i = 0; i < 5; i++) {
                    fx.event("acct_on", "fileTask.completed", "{}");
                }
                worker.drainDue();
                clock.advance(Duration.ofMinutes(1));
            }
        }

        assertEquals(15, claimed.get(), "claims: the healthy endpoint's 15 deliveries only");
        assertEquals(15, receiver.received("/on").size());
        assertEquals(0, receiver.received("/off").size());
        assertEquals(BACKLOG, deliveriesIn("paused", off));
    }

    @Test
    void enablingFromTheCliMakesThePausedBacklogDueAtOnce() {
        long off = backlogOf("acct_off", "/off");
        endpoints.disable(off, "maintenance", clock.instant());
        try (Worker worker = worker(100)) {
            worker.drainDue();
            endpoints.enable(off, clock.instant());
            worker.drainDue();
        }
        assertEquals(BACKLOG, receiver.received("/off").size());
        assertEquals(BACKLOG, claimed.get(), "each delivery claimed once, when it could go");
        assertEquals(BACKLOG, deliveriesIn("succeeded", off));
    }

    @Test
    void theDashboardsPlainUpdatesPauseAndResumeTheBacklog() {
        long off = backlogOf("acct_off", "/off");
        dsl.execute("UPDATE webhook_endpoints SET enabled = false WHERE id = ?", off);
        try (Worker worker = worker(100)) {
            worker.drainDue();
            assertEquals(BACKLOG, deliveriesIn("paused", off));
            dsl.execute("UPDATE webhook_endpoints SET enabled = true WHERE id = ?", off);
            worker.drainDue();
        }
        assertEquals(BACKLOG, receiver.received("/off").size());
        assertEquals(BACKLOG, claimed.get());
    }

    @Test
    void anEndpointDisabledByItsGoneAnswerHasTheRestOfItsBacklogPaused() {
        receiver.on("/off", r -> Reply.status(410));
        long off = backlogOf("acct_off", "/off");
        try (Worker worker = worker(10)) {
            worker.drainDue();
            clock.advance(Duration.ofMinutes(5));
            worker.drainDue();
        }
        assertEquals(10, claimed.get(), "one batch was claimed while the endpoint was enabled, no more");
        assertEquals(BACKLOG, deliveriesIn("paused", off), "the 10 attempted ones wait for their retry there too");
    }

    @Test
    void aDeliveryClaimedJustAfterItsEndpointWasDisabledIsPausedWhenGivenBackAndResumedWithTheRest() {
        long off = backlogOf("acct_off", "/off");
        dsl.execute("UPDATE webhook_endpoints SET enabled = false WHERE id = ?", off);
        DeliveryRepository repository = new DeliveryRepository(dsl);
        // Claimed before any worker saw the endpoint disabled; the others are paused meanwhile.
        ClaimedDelivery late = repository.claim("w-1", 1, clock.instant(), Duration.ofSeconds(30)).get(0);
        PausedDeliveries.reconcile(dsl, clock.instant());
        dsl.transaction(cfg -> repository.release(cfg.dsl(), late, "w-1", clock.instant().plusSeconds(60),
                "endpoint disabled", clock.instant()));
        assertEquals(BACKLOG, deliveriesIn("paused", off));

        dsl.execute("UPDATE webhook_endpoints SET enabled = true WHERE id = ?", off);
        PausedDeliveries.reconcile(dsl, clock.instant());
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("pending")
                && !d.getNextAttemptAt().toInstant().isAfter(clock.instant())), "all pending, due now");
    }

    private long backlogOf(String account, String path) {
        long id = fx.endpoint(account, receiver.url(path), null);
        for (int i = 0; i < BACKLOG; i++) {
            fx.event(account, "fileTask.completed", "{\"n\": " + i + "}");
        }
        new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());
        return id;
    }

    private Worker worker(int batchSize) {
        return new Worker(dsl, Fixtures.testConfig("w-1").batchSize(batchSize).build(), clock, claims);
    }

    private int deliveriesIn(String state, long endpointId) {
        return dsl.fetchCount(dsl.selectOne().from("webhook_deliveries")
                .where("state = ? AND endpoint_id = ?", state, endpointId));
    }
}
