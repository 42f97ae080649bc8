package com.d3.webhooks.delivery;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Answers by which a receiver steers the worker: 410 Gone, and webhook-delivery: abort-message. */
class EndpointAnswersTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();
    private final TestReceiver receiver = new TestReceiver();
    private Worker worker;

    @BeforeEach
    void setUp() {
        TestDatabase.get().reset();
        worker = fx.worker(Fixtures.testConfig("w-1").build(), clock);
    }

    @AfterEach
    void tearDown() {
        worker.close();
        receiver.close();
    }

    @Test
    void a410DisablesTheEndpointAndTellsTheAccountThroughTheOutbox() {
        receiver.on("/gone", r -> Reply.status(410));
        long gone = fx.endpoint("acct_1", receiver.url("/gone"), null);
        fx.endpoint("acct_1", receiver.url("/other"), null, "endpoint.disabled");
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.drainDue();

        var endpoint = dsl.selectFrom(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(gone)).fetchSingle();
        assertFalse(endpoint.getEnabled());
        assertTrue(endpoint.getDisabledReason().contains("410"), endpoint.getDisabledReason());
        assertEquals(1, dsl.fetchCount(WEBHOOK_OUTBOX, WEBHOOK_OUTBOX.EVENT_TYPE.eq("endpoint.disabled")));
        assertEquals(1, receiver.received("/other").size(), "the account's other endpoint heard of it");
        assertTrue(receiver.received("/other").get(0).bodyText().contains("\"endpointId\": " + gone));
        var delivery = fx.deliveries().get(0);
        assertEquals("paused", delivery.getState(), "the delivery waits for the endpoint, it is not failed");

        clock.advance(java.time.Duration.ofMinutes(5));
        worker.drainDue();
        assertEquals(1, receiver.received("/gone").size(), "nothing more is sent to a disabled endpoint");
    }

    @Test
    void abortMessageStopsTheRetriesOfThatDelivery() {
        receiver.on("/abort", r -> Reply.status(400).withHeader("webhook-delivery", "abort-message"));
        fx.endpoint("acct_1", receiver.url("/abort"), null);
        fx.event("acct_1", "fileTask.completed", "{}");

        worker.drainDue();

        var delivery = fx.deliveries().get(0);
        assertEquals("failed", delivery.getState());
        assertEquals(1, delivery.getAttempts());
        assertTrue(fx.audit().get(0).getErrorMessage().contains("receiver asked to stop retrying"),
                fx.audit().get(0).getErrorMessage());
    }

    @Test
    void anEndpointFailingLongerThanTheWindowIsDisabledAndOneSuccessResetsTheRun() {
        worker.close();
        worker = fx.worker(Fixtures.testConfig("w-1").autoDisableAfter(java.time.Duration.ofDays(5))
                .retrySchedule(RetrySchedule.parse("none", 0)).build(), clock);
        java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean(false);
        receiver.on("/flaky", r -> up.get() ? Reply.status(200) : Reply.status(500));
        long endpoint = fx.endpoint("acct_1", receiver.url("/flaky"), null);

        fx.event("acct_1", "fileTask.completed", "{}");
        worker.drainDue();
        clock.advance(java.time.Duration.ofDays(3));
        up.set(true);
        fx.event("acct_1", "fileTask.completed", "{}");
        worker.drainDue();
        up.set(false);
        clock.advance(java.time.Duration.ofDays(3));
        fx.event("acct_1", "fileTask.completed", "{}");
        worker.drainDue();
        assertTrue(enabled(endpoint), "failing for 0 days since the success in between");

        clock.advance(java.time.Duration.ofDays(5).plusMinutes(1));
        fx.event("acct_1", "fileTask.completed", "{}");
        worker.drainDue();

        assertFalse(enabled(endpoint), "failed continuously for over 5 days");
        var reason = dsl.select(WEBHOOK_ENDPOINTS.DISABLED_REASON).from(WEBHOOK_ENDPOINTS)
                .where(WEBHOOK_ENDPOINTS.ID.eq(endpoint)).fetchSingle().value1();
        assertTrue(reason.startsWith("failing continuously since"), reason);
        assertEquals(1, dsl.fetchCount(WEBHOOK_OUTBOX, WEBHOOK_OUTBOX.EVENT_TYPE.eq("endpoint.disabled")));
    }

    private boolean enabled(long endpoint) {
        return dsl.select(WEBHOOK_ENDPOINTS.ENABLED).from(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(endpoint))
                .fetchSingle().value1();
    }
}
