package com.d3.webhooks.delivery;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_OUTBOX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.admission.CircuitBreaker;
import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.db.schema.tables.records.WebhookDeliveriesRecord;
import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import com.d3.webhooks.tracing.WorkerTracing;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The recorder against real PostgreSQL, batches built by hand from real claims: the common batch
 * is one statement in autocommit (audit, fenced settle, health, breaker), and it records what the
 * transaction of several statements recorded.
 */
class RecordStatementTest {

    private static final Duration PAUSE = Duration.ofSeconds(5);

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final DeliveryRepository repository = new DeliveryRepository(dsl);
    // Microseconds, as the database keeps them, so that instants compare equal after a round trip.
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MICROS));
    private final Map<Long, String> settledAs = new ConcurrentHashMap<>();
    private final List<Long> openings = Collections.synchronizedList(new ArrayList<>());
    private final DeliveryListener listener = new DeliveryListener() {
        @Override
        public void recorded(AuditEntry entry, String outcome) {
            settledAs.put(entry.deliveryId(), outcome);
        }

        @Override
        public void breakerOpened(long endpointId) {
            openings.add(endpointId);
        }
    };
    /** What the recorder sent on its connection: statements prepared, and whether it began a transaction. */
    private final List<String> prepared = Collections.synchronizedList(new ArrayList<>());
    private final List<Boolean> autoCommitSet = Collections.synchronizedList(new ArrayList<>());
    private Connection session;

    @BeforeEach
    void open() throws Exception {
        TestDatabase.get().reset();
        session = DriverManager.getConnection(TestDatabase.get().jdbcUrl());
    }

    @AfterEach
    void close() throws Exception {
        session.close();
    }

    @Test
    void aMixedBatchIsOneStatementThatAuditsAndSettlesEveryAttempt() {
        long endpoint = fx.endpoint("acct_1", "http://127.0.0.1:9/hook", null);
        List<ClaimedDelivery> claimed = new ArrayList<>(claim(endpoint, 3, 0));
        claimed.addAll(claim(endpoint, 1, 2));
        OutcomeRecorder recorder = recorder(Fixtures.testConfig("w-1").build());
        Instant now = clock.instant();

        recorder.record(List.of(
                attempt(claimed.get(0), ok()),
                attempt(claimed.get(1), failed(500)),
                attempt(claimed.get(2), ok()),
                attempt(claimed.get(3), failed(503))));

        assertEquals(1, prepared.size(), "one statement: " + prepared);
        assertTrue(prepared.get(0).startsWith("WITH a AS"), prepared.get(0));
        assertTrue(autoCommitSet.isEmpty(), "no transaction");
        List<WebhookDeliveriesRecord> rows = fx.deliveries();
        assertEquals("succeeded", rows.get(0).getState());
        assertEquals(200, rows.get(0).getLastStatus());
        assertEquals(now, rows.get(0).getCompletedAt().toInstant());
        assertNull(rows.get(0).getLockedBy());
        assertEquals("pending", rows.get(1).getState(), "the first attempt's failure is retried");
        assertEquals(now.plusSeconds(10), rows.get(1).getNextAttemptAt().toInstant());
        assertEquals("HTTP 500", rows.get(1).getLastError());
        assertNull(rows.get(1).getCompletedAt());
        assertNull(rows.get(1).getLockedUntil());
        assertEquals("succeeded", rows.get(2).getState());
        assertEquals("failed", rows.get(3).getState(), "the last attempt of the budget failed for good");
        assertEquals(503, rows.get(3).getLastStatus());
        assertEquals(now, rows.get(3).getCompletedAt().toInstant());
        assertEquals(Map.of(rows.get(0).getId(), "succeeded", rows.get(1).getId(), "pending",
                rows.get(2).getId(), "succeeded", rows.get(3).getId(), "failed"), settledAs);
        var audit = fx.audit();
        assertEquals(4, audit.size(), "every attempt audited");
        assertEquals(List.of("success", "failed", "success", "failed"), audit.stream().map(a -> a.getStatus()).toList());
        assertEquals(List.of(1, 1, 1, 3), audit.stream().map(a -> a.getAttemptNumber()).toList());
        assertEquals("HTTP 503", audit.get(3).getErrorMessage());
        assertTrue(audit.stream().allMatch(a -> a.getWorkerId().equals("w-1")));
        assertNull(endpoint(endpoint).getFailingSince(), "a batch with a success is healthy");
    }

    @Test
    void anAttemptWhoseLeaseWasLostIsAuditedButNotApplied() {
        long endpoint = fx.endpoint("acct_1", "http://127.0.0.1:9/hook", null);
        List<ClaimedDelivery> claimed = claim(endpoint, 2, 0);
        // The lease expired and another worker claimed the first delivery again.
        dsl.execute("UPDATE webhook_deliveries SET locked_by = 'w-2', attempts = attempts + 1 WHERE id = ?",
                claimed.get(0).deliveryId());

        recorder(Fixtures.testConfig("w-1").build()).record(List.of(
                attempt(claimed.get(0), ok()), attempt(claimed.get(1), ok())));

        assertEquals(1, prepared.size(), prepared.toString());
        List<WebhookDeliveriesRecord> rows = fx.deliveries();
        assertEquals("in_flight", rows.get(0).getState());
        assertEquals("w-2", rows.get(0).getLockedBy());
        assertEquals(2, rows.get(0).getAttempts());
        assertEquals("succeeded", rows.get(1).getState());
        assertEquals(OutcomeRecorder.TAKEN_OVER, settledAs.get(claimed.get(0).deliveryId()));
        assertEquals("succeeded", settledAs.get(claimed.get(1).deliveryId()));
        assertEquals(2, fx.audit().size(), "both attempts audited");
    }

    @Test
    void theBreakerOpensWithinTheStatementAndTheOpeningIsReported() {
        long down = fx.endpoint("acct_1", "http://127.0.0.1:9/down", null);
        long up = fx.endpoint("acct_2", "http://127.0.0.1:9/up", null);
        List<ClaimedDelivery> claimed = new ArrayList<>(claim(down, 3, 0));
        claimed.addAll(claim(up, 1, 0));
        OutcomeRecorder recorder = recorder(Fixtures.testConfig("w-1")
                .breaker(new CircuitBreaker(3, PAUSE, Duration.ofSeconds(20), 0)).build());
        Instant now = clock.instant();

        recorder.record(List.of(attempt(claimed.get(0), failed(500)), attempt(claimed.get(1), failed(500)),
                attempt(claimed.get(2), failed(500)), attempt(claimed.get(3), ok())));

        assertEquals(1, prepared.size(), prepared.toString());
        assertEquals(List.of(down), openings);
        WebhookEndpointsRecord e = endpoint(down);
        assertEquals(3, e.getConsecutiveFailures());
        assertEquals(1, e.getBreakerOpenings());
        assertEquals(now.plus(PAUSE), e.getBreakerOpenUntil().toInstant());
        assertEquals(now, e.getBreakerOpenedAt().toInstant());
        assertNull(endpoint(up).getBreakerOpenUntil());
        assertEquals(0, endpoint(up).getConsecutiveFailures());

        // The pause is over: the probe fails, and the breaker opens again for twice as long.
        clock.advance(PAUSE);
        ClaimedDelivery probe = claim(down, 1, 0).get(0);
        recorder.probing(List.of(probe.deliveryId()));
        recorder.record(List.of(attempt(probe, failed(500))));
        e = endpoint(down);
        assertEquals(List.of(down, down), openings);
        assertEquals(2, e.getBreakerOpenings());
        assertEquals(4, e.getConsecutiveFailures());
        assertEquals(clock.instant().plus(PAUSE.multipliedBy(2)), e.getBreakerOpenUntil().toInstant());

        // A success closes it and forgets the counts.
        recorder.record(List.of(attempt(claim(down, 1, 0).get(0), ok())));
        e = endpoint(down);
        assertEquals(0, e.getConsecutiveFailures());
        assertEquals(0, e.getBreakerOpenings());
        assertNull(e.getBreakerOpenUntil());
        assertEquals(2, openings.size());
    }

    @Test
    void healthCountsRunsOfFailuresPerEndpoint() {
        long failing = fx.endpoint("acct_1", "http://127.0.0.1:9/failing", null);
        long recovering = fx.endpoint("acct_2", "http://127.0.0.1:9/recovering", null);
        long mixed = fx.endpoint("acct_3", "http://127.0.0.1:9/mixed", null);
        failingSince(recovering, clock.instant().minus(Duration.ofHours(1)));
        dsl.execute("UPDATE webhook_endpoints SET consecutive_failures = 2 WHERE id = ?", recovering);
        OutcomeRecorder recorder = recorder(Fixtures.testConfig("w-1")
                .breaker(new CircuitBreaker(10, PAUSE, Duration.ofSeconds(20), 0)).build());
        Instant first = clock.instant();
        List<ClaimedDelivery> f = claim(failing, 2, 0);
        List<ClaimedDelivery> r = claim(recovering, 1, 0);
        List<ClaimedDelivery> m = claim(mixed, 2, 0);

        recorder.record(List.of(attempt(f.get(0), failed(500)), attempt(f.get(1), failed(502)),
                attempt(r.get(0), ok()), attempt(m.get(0), failed(500)), attempt(m.get(1), ok())));

        assertEquals(first, endpoint(failing).getFailingSince().toInstant());
        assertEquals(2, endpoint(failing).getConsecutiveFailures());
        assertNull(endpoint(recovering).getFailingSince(), "a success ends the run");
        assertEquals(0, endpoint(recovering).getConsecutiveFailures());
        assertNull(endpoint(mixed).getFailingSince(), "one success in the batch: healthy");
        assertEquals(0, endpoint(mixed).getConsecutiveFailures());

        clock.advance(Duration.ofMinutes(1));
        recorder.record(List.of(attempt(claim(failing, 1, 0).get(0), failed(500))));
        assertEquals(first, endpoint(failing).getFailingSince().toInstant(), "the run began with the first failure");
        assertEquals(3, endpoint(failing).getConsecutiveFailures());
        assertTrue(endpoint(failing).getEnabled());
    }

    /**
     * The auto-disable must not depend on the breaker: with it off, an endpoint already failing
     * has nothing of the breaker's nor of the health's to write, so its row is not updated at all,
     * and only a read of it finds it failing too long.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void anEndpointFailingLongerThanTheWindowIsDisabledWithTheBatchThatShowsIt(int breakerThreshold) {
        long endpoint = fx.endpoint("acct_1", "http://127.0.0.1:9/hook", null);
        Instant since = clock.instant().minus(Duration.ofDays(2));
        failingSince(endpoint, since);
        List<ClaimedDelivery> claimed = claim(endpoint, 1, 0);

        recorder(Fixtures.testConfig("w-1").autoDisableAfter(Duration.ofDays(1))
                .breaker(breakerThreshold == 0 ? CircuitBreaker.OFF
                        : new CircuitBreaker(breakerThreshold, PAUSE, Duration.ofSeconds(20), 0)).build())
                .record(List.of(attempt(claimed.get(0), failed(500))));

        WebhookEndpointsRecord e = endpoint(endpoint);
        assertFalse(e.getEnabled(), "failing for 2 days, over the 1 day allowed");
        assertEquals("failing continuously since " + since + " (over 1d)", e.getDisabledReason());
        assertEquals(1, dsl.fetchCount(WEBHOOK_OUTBOX, WEBHOOK_OUTBOX.EVENT_TYPE.eq("endpoint.disabled")));
        assertTrue(autoCommitSet.contains(false), "the disable commits with the batch, in its transaction");
        assertEquals(1, fx.audit().size(), "the statement that found it wrote nothing: audited once");
        assertEquals("pending", fx.deliveries().get(0).getState());
        assertEquals(since, e.getFailingSince().toInstant());
    }

    @Test
    void aFailureOfAnEndpointNotYetFailingTooLongStaysOneStatement() {
        long endpoint = fx.endpoint("acct_1", "http://127.0.0.1:9/hook", null);
        failingSince(endpoint, clock.instant().minus(Duration.ofHours(23)));
        List<ClaimedDelivery> claimed = claim(endpoint, 1, 0);

        recorder(Fixtures.testConfig("w-1").autoDisableAfter(Duration.ofDays(1)).build())
                .record(List.of(attempt(claimed.get(0), failed(500))));

        assertTrue(endpoint(endpoint).getEnabled());
        assertEquals(1, prepared.size(), prepared.toString());
        assertTrue(autoCommitSet.isEmpty());
    }

    @Test
    void aGoneEndpointIsDisabledInTheTransaction() {
        long endpoint = fx.endpoint("acct_1", "http://127.0.0.1:9/hook", null);
        List<ClaimedDelivery> claimed = claim(endpoint, 2, 0);

        recorder(Fixtures.testConfig("w-1").build())
                .record(List.of(attempt(claimed.get(0), failed(410)), attempt(claimed.get(1), ok())));

        assertFalse(endpoint(endpoint).getEnabled());
        assertEquals("the endpoint answered HTTP 410 Gone", endpoint(endpoint).getDisabledReason());
        assertTrue(autoCommitSet.contains(false));
        assertEquals(2, fx.audit().size());
        assertEquals(List.of("pending", "succeeded"), fx.deliveries().stream().map(d -> d.getState()).toList());
    }

    /** Claims {@code count} new deliveries to the endpoint as w-1, each having spent {@code spent} attempts. */
    private List<ClaimedDelivery> claim(long endpoint, int count, int spent) {
        String account = dsl.select(WEBHOOK_ENDPOINTS.ACCOUNT_ID).from(WEBHOOK_ENDPOINTS)
                .where(WEBHOOK_ENDPOINTS.ID.eq(endpoint)).fetchSingle().value1();
        fx.numberedEvents(account, count);
        new EventRouter(dsl, 100, 1 << 20).routeBatch(clock.instant());
        dsl.execute("UPDATE webhook_deliveries SET attempts = ? WHERE state = 'pending' AND attempts = 0", spent);
        List<ClaimedDelivery> claimed = repository.claim("w-1", count, clock.instant(), Duration.ofSeconds(30));
        assertEquals(count, claimed.size());
        return claimed;
    }

    private OutcomeRecorder recorder(WorkerConfig config) {
        Connection counted = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("prepareStatement")) {
                        prepared.add((String) args[0]);
                    } else if (method.getName().equals("setAutoCommit") && !(Boolean) args[0]) {
                        autoCommitSet.add(false);
                    }
                    try {
                        return method.invoke(session, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new OutcomeRecorder(DSL.using(counted, SQLDialect.POSTGRES), config, clock, listener,
                WorkerTracing.off());
    }

    private Completion attempt(ClaimedDelivery d, AttemptResult r) {
        return new Completion.Attempted(d, new AuditEntry(d.deliveryId(), d.eventId(), d.endpointId(), d.accountId(),
                d.eventType(), d.url(), d.attempt(), r.succeeded() ? AuditEntry.SUCCESS : AuditEntry.FAILED,
                r.status(), r.bodyExcerpt(), r.error(), r.durationMs(), "w-1", clock.instant()), r);
    }

    private static AttemptResult ok() {
        return new AttemptResult(200, "ok", null, 3, null, false);
    }

    private static AttemptResult failed(int status) {
        return new AttemptResult(status, "no", "HTTP " + status, 3, null, false);
    }

    private void failingSince(long endpoint, Instant since) {
        dsl.update(WEBHOOK_ENDPOINTS).set(WEBHOOK_ENDPOINTS.FAILING_SINCE, DbTime.utc(since))
                .where(WEBHOOK_ENDPOINTS.ID.eq(endpoint)).execute();
    }

    private WebhookEndpointsRecord endpoint(long id) {
        return dsl.selectFrom(WEBHOOK_ENDPOINTS).where(WEBHOOK_ENDPOINTS.ID.eq(id)).fetchSingle();
    }
}
