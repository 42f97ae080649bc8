package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** outbox deliveries list | show. */
class DeliveriesCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final Rows rows = new Rows(dsl);
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private long a;
    private long b;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
        a = fx.endpoint("acct_1", "https://a.example.com/hooks", null);
        b = fx.endpoint("acct_2", "https://b.example.com/hooks", null);
    }

    private static List<Long> ids(Cli.Result r) throws Exception {
        List<Long> out = new ArrayList<>();
        JSON.readTree(r.out()).forEach(n -> out.add(n.get("id").asLong()));
        return out;
    }

    @Test
    void listFiltersByStatusEndpointAccountTypeAndTimeNewestFirst() throws Exception {
        long old = rows.delivery(a, "acct_1", "failed", 3, now.minusSeconds(3 * 3600));
        long failed = rows.delivery(a, "acct_1", "operation.failed", "failed", 3, now.minusSeconds(600));
        long pending = rows.delivery(a, "acct_1", "pending", 1, now.minusSeconds(60));
        long other = rows.delivery(b, "acct_2", "succeeded", 1, now.minusSeconds(60));

        assertEquals(List.of(other, pending, failed, old), ids(Cli.run("deliveries", "list", "--json")));
        assertEquals(List.of(failed, old), ids(Cli.run("deliveries", "list", "--status", "failed", "--json")));
        assertEquals(List.of(pending, failed), ids(Cli.run("deliveries", "list", "--status", "failed,pending",
                "--since", "2h", "--json")));
        assertEquals(List.of(other), ids(Cli.run("deliveries", "list", "--endpoint", String.valueOf(b), "--json")));
        assertEquals(List.of(other), ids(Cli.run("deliveries", "list", "--account", "acct_2", "--json")));
        assertEquals(List.of(failed), ids(Cli.run("deliveries", "list", "--type", "operation.failed", "--json")));
        assertEquals(List.of(old), ids(Cli.run("deliveries", "list", "--until",
                now.minusSeconds(3600).toString(), "--json")));
        assertEquals(List.of(other, pending), ids(Cli.run("deliveries", "list", "--limit", "2", "--json")));
    }

    @Test
    void listPrintsATableInUtcAndSaysWhenTheLimitCutIt() {
        rows.delivery(a, "acct_1", "failed", 3, now.minusSeconds(60));
        rows.delivery(a, "acct_1", "failed", 3, now.minusSeconds(30));

        Cli.Result r = Cli.run("deliveries", "list", "--limit", "1");

        assertEquals(0, r.exit(), r.toString());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("ID  CREATED"), lines[0]);
        assertEquals(2, lines.length);
        assertTrue(lines[1].contains(now.minusSeconds(30).toString()), lines[1]);
        assertTrue(lines[1].contains("HTTP 503"), lines[1]);
        assertTrue(r.err().contains("more may match"), r.err());
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        Cli.Result badTime = Cli.run("deliveries", "list", "--since", "yesterday");
        Cli.Result badState = Cli.run("deliveries", "list", "--status", "done");
        Cli.Result badLimit = Cli.run("deliveries", "list", "--limit", "0");
        Cli.Result backwards = Cli.run("deliveries", "list", "--since", "1h", "--until", "2h");

        assertEquals(2, badTime.exit());
        assertTrue(badTime.err().startsWith("list: Invalid value for option '--since': 'yesterday' is not a time: "
                + "write ISO-8601"), badTime.err());
        assertEquals(2, badState.exit());
        assertTrue(badState.err().contains("unknown delivery state 'done'"), badState.err());
        assertEquals(2, badLimit.exit());
        assertEquals(2, backwards.exit());
    }

    @Test
    void showPrintsTheWholeAuditTrailAcrossReplays() throws Exception {
        long id = rows.delivery(a, "acct_1", "failed", 3, now.minusSeconds(600));
        rows.attempt(id, 1, false, 12, now.minusSeconds(600));
        rows.attempt(id, 2, false, 15, now.minusSeconds(500));
        rows.attempt(id, 3, false, 18, now.minusSeconds(400));
        assertEquals(0, Cli.run("replay", "--delivery", String.valueOf(id)).exit());
        rows.attempt(id, 4, true, 40, now.minusSeconds(10));

        Cli.Result human = Cli.run("deliveries", "show", String.valueOf(id));
        Cli.Result json = Cli.run("deliveries", "show", String.valueOf(id), "--json");

        assertEquals(0, human.exit(), human.toString());
        assertTrue(human.out().contains("https://a.example.com/hooks"), human.out());
        assertTrue(human.out().contains("current budget began after attempt 3"), human.out());
        assertTrue(human.out().contains("ATTEMPT  SENT AT"), human.out());
        assertTrue(human.out().contains(now.minusSeconds(600).toString()), human.out());
        JsonNode doc = JSON.readTree(json.out());
        assertEquals("pending", doc.at("/delivery/state").asText());
        assertEquals(4, doc.get("attempts").size());
        assertEquals(4, doc.at("/attempts/3/attemptNumber").asInt());
        assertEquals("success", doc.at("/attempts/3/status").asText());
        assertEquals(40, doc.at("/attempts/3/durationMs").asInt());
        assertEquals(503, doc.at("/attempts/0/responseStatus").asInt());
        assertFalse(doc.at("/attempts/0").has("payload"));
    }

    @Test
    void showOfAnUnknownDeliveryFails() {
        Cli.Result r = Cli.run("deliveries", "show", "404");

        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("outbox deliveries show: no delivery 404"), r.err());
    }
}
