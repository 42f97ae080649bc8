package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** outbox replay: selection, dry run, confirmation, refusals and progress. */
class ReplayCommandTest {

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

    private Result<Record> snapshot() {
        return dsl.fetch("select * from webhook_deliveries order by id");
    }

    private long count(String state) {
        return dsl.fetchOne("select count(*) from webhook_deliveries where state = ?", state).get(0, Long.class);
    }

    private static java.util.function.Consumer<CommandLine> answering(Boolean answer, AtomicReference<String> asked) {
        return cl -> ((ReplayCommand) cl.getSubcommands().get("replay").getCommand()).confirmation = question -> {
            asked.set(question);
            return answer;
        };
    }

    @Test
    void dryRunPrintsHowManyAndTheFirstRowsAndChangesNothing() throws Exception {
        rows.failedDeliveries(endpoint, "acct_1", 150, 3, now.minusSeconds(60));
        var before = snapshot();

        Cli.Result human = Cli.run("replay", "--endpoint", String.valueOf(endpoint), "--dry-run");
        Cli.Result json = Cli.run("replay", "--dry-run", "--json");

        assertEquals(0, human.exit(), human.toString());
        assertTrue(human.out().startsWith("would replay 150 failed deliveries; the first 20:"), human.out());
        assertTrue(human.out().contains("(dry run: nothing changed)"));
        assertEquals(1 + 1 + 20 + 1, human.out().split("\n").length, human.out());
        JsonNode doc = JSON.readTree(json.out());
        assertEquals(150, doc.get("matched").asInt());
        assertEquals(0, doc.get("replayed").asInt());
        assertEquals(20, doc.get("first").size());
        assertEquals(before, snapshot());
    }

    @Test
    void aSmallReplayRunsWithoutAskingAndReportsProgressOnStderr() throws Exception {
        rows.failedDeliveries(endpoint, "acct_1", 30, 3, now.minusSeconds(60));

        Cli.Result r = Cli.run("replay", "--batch-size", "10", "--json");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(30, JSON.readTree(r.out()).get("replayed").asInt());
        assertEquals("replay: 10 of 30 due again (33%)\nreplay: 20 of 30 due again (66%)\n"
                + "replay: 30 of 30 due again (100%)\n", r.err());
        assertEquals(30, count("pending"));

        Cli.Result again = Cli.run("replay");
        assertEquals(0, again.exit());
        assertEquals("nothing to replay: no failed deliveries match\n", again.out());
    }

    @Test
    void overTheThresholdWithoutATerminalOrYesItRefusesAndChangesNothing() {
        rows.failedDeliveries(endpoint, "acct_1", 101, 3, now.minusSeconds(60));

        Cli.Result r = Cli.run("replay");

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("outbox replay: would replay 101 deliveries, more than 100: add --yes"), r.err());
        assertEquals(101, count("failed"));
        assertEquals(0, Cli.run("replay", "--yes").exit());
        assertEquals(101, count("pending"));
    }

    @Test
    void overTheThresholdItAsksAndDoesNothingUnlessConfirmed() {
        rows.failedDeliveries(endpoint, "acct_1", 120, 3, now.minusSeconds(60));
        AtomicReference<String> asked = new AtomicReference<>();

        Cli.Result no = Cli.run(answering(false, asked), "replay");
        assertEquals(1, no.exit());
        assertEquals("Replay 120 failed deliveries now?", asked.get());
        assertTrue(no.err().contains("not confirmed; nothing was replayed"), no.err());
        assertEquals(120, count("failed"));

        Cli.Result yes = Cli.run(answering(true, asked), "replay");
        assertEquals(0, yes.exit(), yes.toString());
        assertEquals(120, count("pending"));
    }

    @Test
    void aDisabledEndpointsDeliveriesAreRefusedUntilItIsEnabled() {
        long off = fx.endpoint("acct_1", "https://off.example.com/hooks", null);
        rows.delivery(endpoint, "acct_1", "failed", 3, now);
        rows.delivery(off, "acct_1", "failed", 3, now);
        Cli.run("endpoints", "disable", String.valueOf(off));

        Cli.Result refused = Cli.run("replay");
        Cli.Result dry = Cli.run("replay", "--dry-run");

        assertEquals(1, refused.exit());
        assertEquals("outbox replay: refused: endpoint " + off + " is disabled; enable it first ('outbox endpoints "
                + "enable " + off + "') or narrow the selection with --endpoint; nothing was replayed\n", refused.err());
        assertEquals(1, dry.exit());
        assertEquals(2, count("failed"));

        assertEquals(0, Cli.run("replay", "--endpoint", String.valueOf(endpoint)).exit(), "others may go");
        Cli.run("endpoints", "enable", String.valueOf(off));
        assertEquals(0, Cli.run("replay").exit());
        assertEquals(2, count("pending"));
    }

    @Test
    void inFlightIsNeverReplayedAndSucceededOnlyOnPurpose() {
        long inFlight = rows.delivery(endpoint, "acct_1", "in_flight", 1, now);
        long ok = rows.delivery(endpoint, "acct_1", "succeeded", 1, now);

        Cli.Result inflight = Cli.run("replay", "--status", "in_flight");
        Cli.Result succeeded = Cli.run("replay", "--status", "succeeded");
        Cli.Result unknown = Cli.run("replay", "--status", "done");

        assertEquals(2, inflight.exit());
        assertTrue(inflight.err().contains("never replayed"), inflight.err());
        assertEquals(2, succeeded.exit());
        assertTrue(succeeded.err().contains("--include-succeeded"), succeeded.err());
        assertEquals(2, unknown.exit());

        Cli.Result resend = Cli.run("replay", "--delivery", ok + "," + inFlight, "--include-succeeded");
        assertEquals(0, resend.exit(), resend.toString());
        assertEquals("replayed 1 deliveries; they are due now with a fresh retry budget\n", resend.out());
        assertEquals("pending", fx.delivery(ok).getState());
        assertEquals("in_flight", fx.delivery(inFlight).getState());
    }

    @Test
    void helpShowsExamples() {
        Cli.Result r = Cli.runWithoutDatabase("replay", "--help");

        assertEquals(0, r.exit());
        assertTrue(r.out().contains("Examples:"), r.out());
        assertTrue(r.out().contains("outbox replay --endpoint 3 --since 6h --yes"), r.out());
    }
}
