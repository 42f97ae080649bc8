package com.d3.webhooks.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import com.d3.webhooks.testing.WorkerProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The real worker process with {@code --log-format json} and the shipped logback.xml (not the
 * tests' logback-test.xml), at DEBUG so that every delivery has a line: every line it prints
 * is one JSON object; every line about a delivery carries that delivery's id, its event's id
 * and its endpoint's id as MDC fields, matching the database; no secret or key appears.
 */
class JsonLogsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET_OK = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SECRET_DOWN = "plain-secret-0f3c9a7e5b2d4c61";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void everyLineIsJsonAndDeliveryLinesCarryTheirIdsAndNoSecret() throws Exception {
        TestDatabase.get().reset();
        String key = SecretSealer.newKey();
        String log;
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/down", r -> Reply.status(503));
            long ok = fx.endpoint("acct_1", receiver.url("/ok"), SECRET_OK);
            fx.endpoint("acct_1", receiver.url("/down"), SECRET_DOWN);
            for (int i = 0; i < 3; i++) {
                fx.event("acct_1", "fileTask.completed", "{\"n\": " + i + "}");
            }
            // A delivery whose worker died an hour ago: the rescue logs a line about it too.
            new Rows(dsl).delivery(ok, "acct_1", "in_flight", 1, Instant.now().minus(Duration.ofHours(2)));

            WorkerProcess worker = WorkerProcess.start("json-logs", List.of("-Dlogback.configurationFile=logback.xml"),
                    Map.of("OUTBOX_SECRET_KEY", key, "OUTBOX_LOG_LEVEL", "DEBUG"),
                    "--log-format", "json", "--allow-private-network", "--exit-when-idle",
                    "--retry-schedule", "1s", "--retry-jitter", "0");
            assertEquals(0, worker.awaitExit(120), worker.logText());
            log = worker.logText();
        }

        // delivery id -> "event id/endpoint id" as the database has them
        Map<String, String> idsOf = new HashMap<>();
        dsl.fetch("SELECT id, event_id, endpoint_id FROM webhook_deliveries").forEach(r -> idsOf.put(
                r.get(0).toString(), r.get(1) + "/" + r.get(2)));
        assertEquals(7, idsOf.size(), "3 events to 2 endpoints, and the rescued one");

        Set<String> logged = new HashSet<>();
        List<String> messages = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode json = JSON.readTree(line);
            assertTrue(json.isObject() && json.hasNonNull("level") && json.hasNonNull("loggerName")
                    && json.hasNonNull("formattedMessage"), "a JSON log object: " + line);
            String message = json.get("formattedMessage").asText();
            messages.add(message);
            if (!message.matches("(?s)^delivery \\d+ .*")) {
                continue;
            }
            JsonNode mdc = json.get("mdc");
            String deliveryId = message.split(" ")[1];
            assertEquals(deliveryId, mdc.path("delivery_id").asText(), line);
            assertEquals(idsOf.get(deliveryId), mdc.path("event_id").asText() + "/" + mdc.path("endpoint_id").asText(),
                    "the line's event and endpoint ids are the delivery's: " + line);
            assertEquals("fileTask.completed", mdc.path("event_type").asText(), line);
            logged.add(deliveryId);
        }
        assertEquals(idsOf.keySet(), logged, "every delivery has lines with its ids:\n" + log);
        assertTrue(messages.stream().anyMatch(m -> m.contains("succeeded (HTTP 200)")), log);
        assertTrue(messages.stream().anyMatch(m -> m.contains("failed (HTTP 503); retry 2 of 2")), log);
        assertTrue(messages.stream().anyMatch(m -> m.contains("that was attempt 2 of 2")), log);
        assertTrue(messages.stream().anyMatch(m -> m.contains("before it reported the attempt")), log);

        List<String> mustNotAppear = new ArrayList<>(List.of(SECRET_OK, SECRET_OK.substring(6), SECRET_DOWN, key));
        dsl.fetch("SELECT secret FROM webhook_endpoints").forEach(r -> {
            String sealed = r.get(0, String.class);
            assertTrue(sealed.startsWith("sealed:"), "the worker sealed the plain-text secrets");
            mustNotAppear.add(sealed.substring(sealed.lastIndexOf(':') + 1));
        });
        for (String secret : mustNotAppear) {
            assertFalse(log.contains(secret), "a secret or key appears in the log:\n" + log);
        }
    }
}
