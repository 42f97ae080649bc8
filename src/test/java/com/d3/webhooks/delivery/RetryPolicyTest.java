package com.d3.webhooks.delivery;

import com.d3.webhooks.state.DeliveryState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.d3.webhooks.delivery.DeliveryRepository.Settlement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The retry decision alone: no database, no HTTP. */
class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final RetryPolicy policy = new RetryPolicy(RetrySchedule.parse("10s,1m", 0), Duration.ofMinutes(5));

    /** The delivery's attempt {@code attempt} (of a budget that began at attempt 1). */
    private static ClaimedDelivery attempt(int attempt) {
        return new ClaimedDelivery(7, 70, null, attempt, 0, UUID.randomUUID(), "fileTask.completed", "acct",
                OffsetDateTime.now(), "{}", 1, "https://x.example/hook",
                EndpointCredentials.hmac(null, null, null));
    }

    private static AttemptResult failed(Integer status, Duration retryAfter, boolean abort) {
        return new AttemptResult(status, null, "HTTP " + status, 5, retryAfter, abort);
    }

    @Test
    void aSuccessSucceeds() {
        Settlement s = policy.decide(attempt(1), new AttemptResult(204, null, null, 5, null, false), NOW);
        assertEquals(DeliveryState.SUCCEEDED, s.state());
        assertNull(s.nextAttemptAt());
        assertNull(s.error());
    }

    @Test
    void aFailureIsDueAfterTheScheduledDelay() {
        assertEquals(NOW.plusSeconds(10), policy.decide(attempt(1), failed(500, null, false), NOW).nextAttemptAt());
        assertEquals(NOW.plusSeconds(60), policy.decide(attempt(2), failed(500, null, false), NOW).nextAttemptAt());
    }

    @Test
    void theLastAttemptOfTheBudgetFails() {
        Settlement s = policy.decide(attempt(3), failed(500, null, false), NOW);
        assertEquals(DeliveryState.FAILED, s.state());
        assertEquals("HTTP 500", s.error());
    }

    @Test
    void aLongerRetryAfterWinsWithinItsBound() {
        assertEquals(NOW.plusSeconds(120),
                policy.decide(attempt(1), failed(503, Duration.ofMinutes(2), false), NOW).nextAttemptAt());
        assertEquals(NOW.plusSeconds(300),
                policy.decide(attempt(1), failed(503, Duration.ofHours(2), false), NOW).nextAttemptAt(),
                "capped at max-retry-after");
        assertEquals(NOW.plusSeconds(10),
                policy.decide(attempt(1), failed(429, Duration.ofSeconds(1), false), NOW).nextAttemptAt(),
                "a shorter Retry-After does not hurry the schedule");
    }

    @Test
    void theReceiverCanAskForNoMoreAttempts() {
        assertEquals(DeliveryState.FAILED, policy.decide(attempt(1), failed(400, null, true), NOW).state());
    }

    @Test
    void aLostAttemptIsDueAtOnceUnlessItWasTheLastOfTheBudget() {
        Settlement again = policy.lost(attempt(2), "lease expired", NOW);
        assertEquals(DeliveryState.PENDING, again.state());
        assertEquals(NOW, again.nextAttemptAt());
        assertEquals(DeliveryState.FAILED, policy.lost(attempt(3), "lease expired", NOW).state());
    }
}
