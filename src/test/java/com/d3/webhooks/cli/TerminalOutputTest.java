package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.RawReceiver;
import com.d3.webhooks.testing.Rows;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Text from receivers and from rows a dashboard wrote reaches the operator's terminal with its
 * control characters escaped (an OSC 52 sequence would write the clipboard, ESC [8m hide text,
 * a bidi override reorder it); --json keeps the exact text, escaped the JSON way.
 */
class TerminalOutputTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Writes "aGk=" to the clipboard, hides what follows, then a C1 CSI (clear screen) and a bidi override. */
    private static final String HOSTILE = "\u001b]52;c;aGk=\u0007\u001b[8m\u009b2J\u202e";
    private static final String SHOWN = "\\x1b]52;c;aGk=\\x07\\x1b[8m\\x9b2J\\u202e";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final Rows rows = new Rows(dsl);
    private RawReceiver receiver;

    @BeforeEach
    void empty() {
        TestDatabase.get().reset();
    }

    @AfterEach
    void close() {
        if (receiver != null) {
            receiver.close();
        }
    }

    /** What a terminal would act on: C0 (but the line feed between lines), DEL, C1, bidi controls. */
    private static void assertNoRawControls(String output) {
        for (int i = 0; i < output.length(); i++) {
            char c = output.charAt(i);
            boolean control = (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f)
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
            assertTrue(!control, String.format("raw U+%04X at %d in:%n%s", (int) c, i, output));
        }
    }

    @Test
    void aReceiversBodyAndHeadersAreShownEscapedByEndpointsTestAndDeliveriesShow() throws Exception {
        byte[] body = HOSTILE.getBytes(StandardCharsets.UTF_8);
        receiver = new RawReceiver((s, r) -> {
            String head = r.readRequest(s);
            // The HTTP client refuses a header with control characters; its message quotes the header.
            if (head.startsWith("POST /header ")) {
                r.write(s, "HTTP/1.1 302 Found\r\nLocation: /next\u001b[8m\u009b2J\r\nContent-Length: 0\r\n\r\n");
                return;
            }
            r.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n");
            r.write(s, body);
        });
        long bodyEndpoint = fx.endpoint("acct_1", receiver.url("/body"), null);
        long headerEndpoint = fx.endpoint("acct_1", receiver.url("/header"), null);

        Cli.Result test = Cli.run("endpoints", "test", String.valueOf(bodyEndpoint), "--allow-private-network");
        Cli.Result testJson = Cli.run("endpoints", "test", String.valueOf(bodyEndpoint), "--allow-private-network",
                "--json");
        Cli.Result header = Cli.run("endpoints", "test", String.valueOf(headerEndpoint), "--allow-private-network");

        assertEquals(0, test.exit(), test.toString());
        assertNoRawControls(test.out());
        assertTrue(test.out().contains("response: " + SHOWN), test.out());
        assertNoRawControls(testJson.out());
        JsonNode doc = JSON.readTree(testJson.out());
        assertEquals(HOSTILE, doc.get("responseBody").asText(), "--json keeps the exact text");
        assertEquals(1, header.exit(), header.toString());
        assertNoRawControls(header.out());
        assertTrue(header.out().contains("Location: /next\\x1b[8m\\x9b2J"), header.out());

        long deliveryId = doc.get("deliveryId").asLong();
        Cli.Result show = Cli.run("deliveries", "show", String.valueOf(deliveryId));
        Cli.Result showJson = Cli.run("deliveries", "show", String.valueOf(deliveryId), "--json");
        long headerDelivery = fx.deliveries().stream().filter(d -> d.getEndpointId() == headerEndpoint)
                .findFirst().orElseThrow().getId();
        Cli.Result showHeader = Cli.run("deliveries", "show", String.valueOf(headerDelivery));

        assertEquals(0, show.exit(), show.toString());
        assertNoRawControls(show.out());
        assertTrue(show.out().contains(SHOWN), show.out());
        assertNoRawControls(showJson.out());
        assertEquals(HOSTILE, JSON.readTree(showJson.out()).at("/attempts/0/responseBody").asText());
        assertNoRawControls(showHeader.out());
        assertTrue(showHeader.out().contains("Location: /next\\x1b[8m\\x9b2J"), showHeader.out());
    }

    @Test
    void rowsADashboardWroteAreShownEscapedInEveryTable() throws Exception {
        long id = fx.endpoint("acct_1", "https://a.example.com/hooks", null);
        dsl.execute("update webhook_endpoints set url = ?, account_id = ?, description = ?, enabled = false, "
                        + "disabled_at = now(), disabled_reason = ? where id = ?",
                "https://a.example.com/x\u001b]0;title\u0007", "acct\u001b[2J", "\u202eevil\u009b", "off\u001b[5m", id);
        long delivery = rows.delivery(id, "acct\u001b[2J", "failed", 1, Instant.now());
        dsl.execute("update webhook_deliveries set last_error = ? where id = ?", "HTTP 503 \u001b[31mred", delivery);

        for (String[] command : new String[][] {{"endpoints", "show", String.valueOf(id)}, {"endpoints", "list"},
                {"deliveries", "list"}, {"deliveries", "show", String.valueOf(delivery)}}) {
            Cli.Result r = Cli.run(command);
            assertEquals(0, r.exit(), r.toString());
            assertNoRawControls(r.out());
            assertTrue(r.out().contains("acct\\x1b[2J"), r.out());
        }
        String show = Cli.run("endpoints", "show", String.valueOf(id)).out();
        assertTrue(show.contains("https://a.example.com/x\\x1b]0;title\\x07"), show);
        assertTrue(show.contains("\\u202eevil\\x9b"), show);
        assertTrue(show.contains("off\\x1b[5m"), show);
        assertTrue(Cli.run("deliveries", "show", String.valueOf(delivery)).out().contains("HTTP 503 \\x1b[31mred"));

        Cli.Result json = Cli.run("endpoints", "show", String.valueOf(id), "--json");
        assertNoRawControls(json.out());
        assertEquals("\u202eevil\u009b", JSON.readTree(json.out()).at("/endpoint/description").asText());
    }

    @Test
    void anErrorMessageIsOneEscapedLine() {
        assertEquals("cannot read \\x1b[2J\\x9b from the server",
                Errors.oneLine(new IllegalStateException("cannot read \u001b[2J\u009b\nfrom the server")));
    }
}
