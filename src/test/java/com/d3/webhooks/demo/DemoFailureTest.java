package com.d3.webhooks.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** When deliveries fail, the demo says which and why, instead of waiting or claiming success. */
class DemoFailureTest {

    @Test
    void aReceiverWithTheWrongSecretRejectsEveryAttemptAndTheDemoSaysSo() {
        TestDatabase db = TestDatabase.get();
        db.reset();
        List<DemoResult.AttemptLine> lines = new CopyOnWriteArrayList<>();

        DemoResult result = Demo.run(new Demo.Settings(db.jdbcUrl(), null, null, Duration.ofSeconds(30)),
                new Demo.Progress() {
                    @Override
                    public void step(String text) {
                    }

                    @Override
                    public void attempt(DemoResult.AttemptLine line) {
                        lines.add(line);
                    }
                }, endpointSecret -> WebhookSecret.generate());

        assertFalse(result.ok());
        assertTrue(result.problem().startsWith("10 of the run's deliveries failed; the first, delivery "),
                result.problem());
        assertTrue(result.problem().contains("after 3 attempts: HTTP 401 (bad signature in "), result.problem());
        assertEquals(30, lines.size());
        assertTrue(lines.stream().allMatch(l -> l.httpStatus() == 401 && !l.receiver().verified()));
        assertEquals(10, lines.stream().filter(l -> l.outcome().equals("failed")).count());
        assertEquals(0, result.total().signaturesVerified());
        assertEquals(30, result.total().failures());
    }
}
