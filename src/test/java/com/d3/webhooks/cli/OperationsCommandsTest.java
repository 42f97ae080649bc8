package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** outbox stats and outbox prune through the CLI; their numbers are tested in StatsTest and PruneTest. */
class OperationsCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final Rows rows = new Rows(dsl);
    private final Instant now = Instant.now();
    private long endpoint;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
        endpoint = fx.endpoint("acct_1", "https://example.com/hooks", null);
    }

    @Test
    void statsPrintsATableAndJson() throws Exception {
        long d = rows.delivery(endpoint, "acct_1", "pending", 1, now.minusSeconds(125));
        rows.attempt(d, 1, false, 42, now.minusSeconds(130));

        Cli.Result human = Cli.run("stats");
        Cli.Result json = Cli.run("stats", "--json");

        assertEquals(0, human.exit(), human.toString());
        String[] lines = human.out().split("\n");
        assertTrue(lines[0].startsWith("at 20"), lines[0]);
        assertTrue(lines[1].startsWith("ENDPOINT  PENDING  PAUSED  DUE  OLDEST DUE"), lines[1]);
        assertTrue(lines[2].startsWith("all "), lines[2]);
        assertTrue(lines[3].startsWith(endpoint + " "), lines[3]);
        assertTrue(lines[3].contains("2m0"), lines[3]);
        assertTrue(lines[3].contains("0.0% of 1"), lines[3]);
        assertTrue(lines[3].contains("42 ms"), lines[3]);
        JsonNode doc = JSON.readTree(json.out());
        assertEquals(1, doc.at("/overall/due").asInt());
        assertEquals(endpoint, doc.at("/endpoints/0/endpointId").asLong());
        assertEquals(42.0, doc.at("/endpoints/0/p50DurationMs").asDouble());
    }

    @Test
    void pruneDryRunCountsAndTheRunDeletes() throws Exception {
        Instant old = now.minus(Duration.ofDays(31));
        rows.delivery(endpoint, "acct_1", "succeeded", 1, old);
        long pending = rows.delivery(endpoint, "acct_1", "pending", 1, old);

        Cli.Result dry = Cli.run("prune", "--dry-run", "--json");
        assertEquals(0, dry.exit(), dry.toString());
        JsonNode plan = JSON.readTree(dry.out());
        assertEquals(1, plan.get("deliveries").asInt());
        assertEquals(1, plan.get("outboxRows").asInt());
        assertEquals(2, dsl.fetchCount(dsl.selectFrom("webhook_deliveries")));

        Cli.Result run = Cli.run("prune", "--older-than", "30d", "--pause", "0ms");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().startsWith("deleted 0 audit rows, 1 deliveries and 1 outbox rows older than "),
                run.out());
        assertTrue(run.err().contains("prune: 1 rows deleted from webhook_deliveries"), run.err());
        assertEquals(pending, fx.deliveries().get(0).getId());
    }

    @Test
    void pruneLeavesAnOldBlockedKeyAndSaysHowToInspectIt() throws Exception {
        long ordered = fx.orderedEndpoint("acct_2", "https://example.com/ordered", null);
        long head = rows.delivery(ordered, "acct_2", "failed", 8, now.minus(Duration.ofDays(31)));
        dsl.execute("update webhook_deliveries set ordering_key = 'main-task-7' where id = ?", head);

        Cli.Result dry = Cli.run("prune", "--dry-run", "--json");
        Cli.Result run = Cli.run("prune", "--older-than", "30d", "--pause", "0ms");

        assertEquals(0, dry.exit(), dry.toString());
        assertEquals(1, JSON.readTree(dry.out()).get("blockedKeysLeft").asInt(), dry.out());
        assertEquals(0, JSON.readTree(dry.out()).get("deliveries").asInt(), dry.out());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("left 1 blocked ordered key whose failed delivery is older than the cutoff"),
                run.out());
        assertTrue(run.out().contains("outbox deliveries list --blocked"), run.out());
        assertEquals(head, fx.deliveries().get(0).getId());
    }

    @Test
    void statsOfAnUnknownEndpointFails() {
        Cli.Result r = Cli.run("stats", "--endpoint", "99");

        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no endpoint 99"), r.err());
    }

    @Test
    void pruneRefusesATinyWindow() {
        Cli.Result r = Cli.run("prune", "--older-than", "10m");

        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--older-than must be at least 1h"), r.err());
    }

    @Test
    void everyNewCommandHasHelpWithExamples() {
        for (String[] cmd : new String[][] {{"deliveries", "list"}, {"deliveries", "show"}, {"replay"}, {"stats"},
                {"prune"}, {"endpoints", "show"}, {"endpoints", "update"}, {"endpoints", "disable"},
                {"endpoints", "enable"}, {"endpoints", "rotate-secret"}, {"endpoints", "test"}}) {
            String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
            args[cmd.length] = "--help";
            Cli.Result r = Cli.runWithoutDatabase(args);
            assertEquals(0, r.exit(), String.join(" ", cmd));
            assertTrue(r.out().contains("Example"), String.join(" ", cmd) + ":\n" + r.out());
        }
    }
}
