package com.d3.webhooks.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.db.DatabaseConfig;
import com.d3.webhooks.delivery.Worker;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

/** /metrics scraped and parsed after real deliveries; readiness follows the database. */
class ObservabilityTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metricsCountWhatTheWorkerDidAndReadinessFollowsTheDatabase() throws Exception {
        TestDatabase.get().reset();
        var dsl = TestDatabase.get().database().dsl();
        Fixtures fx = new Fixtures(dsl);
        MutableClock clock = MutableClock.startingNow();
        PrometheusMeterRegistry registry = Observability.registry();
        try (TestReceiver receiver = new TestReceiver()) {
            receiver.on("/down", r -> Reply.status(503));
            fx.endpoint("acct_1", receiver.url("/ok"), null);
            fx.endpoint("acct_1", receiver.url("/down"), null);
            for (int i = 0; i < 3; i++) {
                fx.event("acct_1", "fileTask.completed", "{}");
            }
            Worker[] self = new Worker[1];
            WorkerMetrics metrics = new WorkerMetrics(registry, "w-1", () -> self[0].inFlight());
            new BacklogGauges(dsl, clock, registry);
            try (Worker worker = new Worker(dsl, Fixtures.testConfig("w-1").build(), clock, metrics);
                 ObservabilityServer server = new ObservabilityServer("127.0.0.1", 0, registry,
                         ObservabilityServer.readiness(() -> true, () -> true))) {
                self[0] = worker;
                worker.drainDue();
                String scrape = get(server.port(), "/metrics").body();

                assertEquals(3.0, Scrapes.value(scrape, "outbox_attempts_total{event_type=\"fileTask.completed\","
                        + "outcome=\"success\",status_class=\"2xx\"}"));
                assertEquals(3.0, Scrapes.value(scrape, "outbox_attempts_total{event_type=\"fileTask.completed\","
                        + "outcome=\"failed\",status_class=\"5xx\"}"));
                assertEquals(6.0, Scrapes.value(scrape, "outbox_attempt_duration_seconds_count{outcome=\"success\"}")
                        + Scrapes.value(scrape, "outbox_attempt_duration_seconds_count{outcome=\"failed\"}"));
                assertEquals(0.0, Scrapes.value(scrape, "outbox_in_flight{worker=\"w-1\"}"));
                assertTrue(Scrapes.value(scrape, "outbox_claim_batch_size_count") >= 1);
                assertEquals(0.0, Scrapes.value(scrape, "outbox_deliveries_due"), "the 3 failed ones are due later");
                assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM metrics are bound");
                assertEquals(200, get(server.port(), "/health/live").statusCode());
                assertEquals(200, get(server.port(), "/health/ready").statusCode());
            }
        }
    }

    @Test
    void readinessGoesFalseWhenTheDatabaseGoesAway() throws Exception {
        String name = "outbox_ready_" + System.nanoTime();
        String serverUrl = TestDatabase.get().jdbcUrl();
        try (var c = DriverManager.getConnection(serverUrl)) {
            c.createStatement().execute("CREATE DATABASE " + name);
        }
        String url = serverUrl.replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
        try (Database db = Database.open(DatabaseConfig.of(url, null, null));
             ObservabilityServer server = new ObservabilityServer("127.0.0.1", 0, Observability.registry(),
                     ObservabilityServer.readiness(db::answers, () -> true))) {
            assertEquals(200, get(server.port(), "/health/ready").statusCode());
            try (var c = DriverManager.getConnection(serverUrl)) {
                c.createStatement().execute("DROP DATABASE " + name + " WITH (FORCE)");
            }
            HttpResponse<String> notReady = get(server.port(), "/health/ready");
            assertEquals(503, notReady.statusCode());
            assertTrue(notReady.body().contains("database"), notReady.body());
            assertEquals(200, get(server.port(), "/health/live").statusCode());
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
