package com.d3.webhooks.delivery;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.db.schema.tables.records.WebhookDeliveriesRecord;
import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import com.d3.webhooks.testing.Await;

/**
 * The circuit breaker against a real receiver on loopback and real PostgreSQL, one pass at a
 * time on a test clock: it opens after N failed attempts, holds deliveries back without attempts
 * while open, lets one probe through when the pause is over, reopens for twice as long when the
 * probe fails, and closes on the first success.
 */
class CircuitBreakerTest {

    private static final Duration PAUSE = Duration.ofSeconds(5);
    /** connect (2 s) + request (3 s) timeout of the test config + 5 s. */
    private static final Duration PROBE_WINDOW = Duration.ofSeconds(10);

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final TestReceiver receiver = new TestReceiver();
    private final AtomicInteger status = new AtomicInteger(500);
    private final AtomicInteger openings = new AtomicInteger();
    private final Map<String, Integer> heldBack = new ConcurrentHashMap<>();
    private Worker worker;

    @BeforeEach
    void start() {
        TestDatabase.get().reset();
        receiver.on("/hook", r -> Reply.status(status.get()));
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void recorded(AuditEntry entry, String settledAs) {
            }

            @Override
            public void heldBack(String reason, int deliveries) {
                heldBack.merge(reason, deliveries, Integer::sum);
            }

            @Override
            public void breakerOpened(long endpointId) {
                openings.incrementAndGet();
            }
        };
        worker = new Worker(dsl, Fixtures.testConfig("w-1")
                .breaker(new CircuitBreaker(3, PAUSE, Duration.ofSeconds(20), 0))
                .retrySchedule(RetrySchedule.parse("10s,10s,10s", 0)).build(), clock, listener);
    }

    @AfterEach
    void close() {
        worker.close();
        receiver.close();
    }

    @Test
    void opensAfterThresholdHoldsBackProbesOnceAndClosesOnSuccess() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
        Instant t0 = clock.instant();
        for (int i = 0; i < 3; i++) {
            fx.event("acct_1", "fileTask.completed", "{\"n\": " + i + "}");
        }

        // Three failed attempts: the breaker opens for the first pause.
        assertEquals(3, worker.runOnce());
        WebhookEndpointsRecord e = endpoint(endpoint);
        assertEquals(3, e.getConsecutiveFailures());
        assertEquals(1, e.getBreakerOpenings());
        assertEquals(t0.plus(PAUSE), e.getBreakerOpenUntil().toInstant());
        assertEquals(1, openings.get());
        assertEquals(3, fx.audit().size());

        // While it is open, new deliveries are held back: no request, no audit row, no attempt spent.
        fx.event("acct_1", "fileTask.completed", "{\"n\": 3}");
        fx.event("acct_1", "fileTask.completed", "{\"n\": 4}");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(2, worker.runOnce());
        assertEquals(3, receiver.received().size());
        assertEquals(3, fx.audit().size());
        List<WebhookDeliveriesRecord> held = fx.deliveries().subList(3, 5);
        for (WebhookDeliveriesRecord d : held) {
            assertEquals("pending", d.getState());
            assertEquals(0, d.getAttempts(), "a held delivery spends no attempt");
            assertEquals(t0.plus(PAUSE), d.getNextAttemptAt().toInstant(), "due when the pause ends");
        }
        assertEquals(2, heldBack.get("breaker"));
        assertEquals(0, worker.runOnce(), "nothing is due while the breaker is open");

        // The pause is over: exactly one probe goes; it fails, so the breaker opens for twice as long.
        clock.advance(PAUSE.minusSeconds(1));
        Instant t5 = clock.instant();
        assertEquals(2, worker.runOnce());
        assertEquals(4, receiver.received().size(), "one probe");
        assertEquals(4, fx.audit().size());
        e = endpoint(endpoint);
        assertEquals(2, e.getBreakerOpenings());
        assertEquals(4, e.getConsecutiveFailures());
        assertEquals(t5.plus(PAUSE.multipliedBy(2)), e.getBreakerOpenUntil().toInstant());
        assertEquals(2, openings.get());
        long stillHeld = fx.deliveries().stream().filter(d -> d.getAttempts() == 0).count();
        assertEquals(1, stillHeld, "the other delivery was held back behind the probe");

        // The next pause ends and the endpoint has recovered: one probe succeeds and closes the breaker.
        status.set(200);
        clock.advance(PAUSE.multipliedBy(2));
        Instant t15 = clock.instant();
        int claimed = worker.runOnce();
        assertTrue(claimed >= 2, "the retries and the held delivery were due, claimed " + claimed);
        assertEquals(5, receiver.received().size(), "again one probe only");
        e = endpoint(endpoint);
        assertEquals(0, e.getConsecutiveFailures());
        assertEquals(0, e.getBreakerOpenings());
        assertNull(e.getBreakerOpenUntil());
        assertEquals(1, fx.deliveries().stream().filter(d -> d.getState().equals("succeeded")).count());

        // Closed: everything else goes once the probe window those deliveries were held for is over.
        clock.advance(PROBE_WINDOW);
        worker.drainDue();
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getState().equals("succeeded")), fx.deliveries().toString());
        assertEquals(9, fx.audit().size(), "3 failures, a failed probe, a good probe, then the other 4 deliveries");
        assertEquals(9, receiver.received().size());
        assertTrue(fx.deliveries().stream().allMatch(d -> d.getAttempts() == d.getRetryBase()
                        + (int) fx.audit().stream().filter(a -> a.getDeliveryId().equals(d.getId())).count()),
                "attempt counts match the audited attempts: holding back spent none");
        assertTrue(t15.isAfter(t0));
    }

    @Test
    void failuresOfAttemptsAlreadyOnTheirWayDoNotLengthenThePause() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
        Instant t0 = clock.instant();
        for (int i = 0; i < 7; i++) {
            fx.event("acct_1", "fileTask.completed", "{}");
        }

        assertEquals(7, worker.runOnce());

        WebhookEndpointsRecord e = endpoint(endpoint);
        assertEquals(7, e.getConsecutiveFailures());
        assertEquals(1, e.getBreakerOpenings(), "one opening for one run of failures");
        assertEquals(t0.plus(PAUSE), e.getBreakerOpenUntil().toInstant());
    }

    @Test
    void aHealthyEndpointBesideAnOpenBreakerKeepsFlowing() {
        long down = fx.endpoint("acct_1", receiver.url("/hook"), null);
        fx.endpoint("acct_2", receiver.url("/ok"), null);
        for (int i = 0; i < 3; i++) {
            fx.event("acct_1", "fileTask.completed", "{}");
        }
        worker.runOnce();
        assertEquals(1, endpoint(down).getBreakerOpenings());

        fx.event("acct_1", "fileTask.completed", "{}");
        fx.event("acct_2", "fileTask.completed", "{}");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(2, worker.runOnce());

        assertEquals(1, receiver.received("/ok").size());
        assertEquals(3, receiver.received("/hook").size());
    }

    @Test
    void whileOneWorkersProbeIsOnItsWayAnotherWorkerSendsNoSecondProbe() throws Exception {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
        for (int i = 0; i < 3; i++) {
            fx.event("acct_1", "fileTask.completed", "{}");
        }
        worker.runOnce();
        assertEquals(1, endpoint(endpoint).getBreakerOpenings());
        for (int i = 0; i < 4; i++) {
            fx.event("acct_1", "fileTask.completed", "{}");
        }
        clock.advance(Duration.ofSeconds(1));
        worker.runOnce(); // routes the 4 and holds them back to the pause's end

        // The pause is over; the probe's request hangs at the receiver until released.
        java.util.concurrent.CountDownLatch probeArrived = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        receiver.on("/hook", r -> {
            probeArrived.countDown();
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.status(200);
        });
        clock.advance(PAUSE);
        worker.start(); // the long-running loop: its recorder gives the held deliveries back at once
        assertTrue(probeArrived.await(20, java.util.concurrent.TimeUnit.SECONDS), "the probe was sent");
        try (Worker other = fx.worker(Fixtures.testConfig("w-2")
                .breaker(new CircuitBreaker(3, PAUSE, Duration.ofSeconds(20), 0)).build(), clock)) {
            for (int round = 0; round < 3; round++) {
                // Whatever is pending is made due now, for either worker to claim again.
                dsl.update(WEBHOOK_DELIVERIES)
                        .set(WEBHOOK_DELIVERIES.NEXT_ATTEMPT_AT, com.d3.webhooks.db.DbTime.utc(clock.instant()))
                        .where(WEBHOOK_DELIVERIES.STATE.eq("pending")).execute();
                other.runOnce();
                Thread.sleep(100);
                assertEquals(4, receiver.received().size(), "no second probe: 3 failures and the one probe");
            }
        } finally {
            answer.countDown();
        }
        Await.eventually(Duration.ofSeconds(20), () -> endpoint(endpoint).getBreakerOpenUntil() == null);
        assertNull(endpoint(endpoint).getBreakerOpenUntil(), "the probe's success closed the breaker");
    }

    @Test
    void enablingAnEndpointResetsItsBreaker() {
        long endpoint = fx.endpoint("acct_1", receiver.url("/hook"), null);
        for (int i = 0; i < 3; i++) {
            fx.event("acct_1", "fileTask.completed", "{}");
        }
        worker.runOnce();
        new com.d3.webhooks.endpoints.EndpointRepository(dsl).disable(endpoint, "maintenance", clock.instant());
        new com.d3.webhooks.endpoints.EndpointRepository(dsl).enable(endpoint, clock.instant());

        WebhookEndpointsRecord e = endpoint(endpoint);
        assertNull(e.getBreakerOpenUntil());
        assertEquals(0, e.getConsecutiveFailures());
        assertEquals(0, e.getBreakerOpenings());
    }

    private WebhookEndpointsRecord endpoint(long id) {
        return dsl.selectFrom(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(id)).fetchSingle();
    }
}
