package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.audit.AuditEntry;
import com.d3.webhooks.outbox.Outbox;
import com.d3.webhooks.outbox.OutboxEvent;
import com.d3.webhooks.testing.Await;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The claim loop asks the database only as often as its poll interval says: after a claim that
 * found nothing it waits at least poll-min before the next, also right after it routed and claimed
 * an event (a trickle of events, the usual load of a worker).
 */
class ClaimLoopPollingTest {

    private static final int EVENTS = 10;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    private record Claim(long atNanos, int leased) {
    }

    @Test
    void anEmptyClaimIsFollowedByAWaitNotAnotherClaim() {
        TestDatabase.get().reset();
        List<Claim> claims = new ArrayList<>();
        AtomicInteger succeeded = new AtomicInteger();
        DeliveryListener listener = new DeliveryListener() {
            @Override
            public void recorded(AuditEntry entry, String settledAs) {
                succeeded.incrementAndGet();
            }

            @Override
            public void claimed(int deliveries) {
                synchronized (claims) {
                    claims.add(new Claim(System.nanoTime(), deliveries));
                }
            }
        };
        WorkerConfig config = Fixtures.testConfig("w-poll").build();
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/hook", r -> Reply.status(200));
            fx.endpoint("acct_poll", receiver.url("/hook"), null);
            try (Worker worker = new Worker(dsl, config, Clock.systemUTC(), listener)) {
                worker.start();
                for (int i = 0; i < EVENTS; i++) {
                    Outbox.insert(dsl, OutboxEvent.of("acct_poll", "fileTask.completed", "{}"));
                    int expected = i + 1;
                    Await.until(Duration.ofSeconds(30), "event " + expected + " delivered",
                            () -> succeeded.get() >= expected);
                    sleep(50);
                }
            }
        }
        assertEquals(EVENTS, succeeded.get());
        long minGap = config.pollMin().toNanos() / 2;
        int backToBack = 0;
        synchronized (claims) {
            for (int i = 1; i < claims.size(); i++) {
                Claim before = claims.get(i - 1);
                Claim next = claims.get(i);
                if (before.leased() == 0 && next.leased() == 0 && next.atNanos() - before.atNanos() < minGap) {
                    backToBack++;
                }
            }
        }
        // A spurious wake-up of the wait may shorten one; a tight loop makes dozens per event.
        assertTrue(backToBack <= 1, backToBack + " empty claims came less than half of poll-min after another empty "
                + "claim, of " + claims.size() + " claims for " + EVENTS + " events");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
