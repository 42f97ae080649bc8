package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.EndpointHeaderRepository;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static headers through the CLI, in process: shown by name and storage only, removed without a
 * key, and refused before anything is written when a name or value is not allowed, with a message
 * that never repeats the value. Setting values needs OUTBOX_SECRET_KEY in the environment:
 * SecretsNeverShownTest runs those commands as processes.
 */
class EndpointHeadersCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VALUE = "v4lue-9b1e-never-shown";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
    private long id;

    @BeforeEach
    void oneEndpointWithTwoHeaders() {
        TestDatabase.get().reset();
        id = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hooks", null);
        new EndpointHeaderRepository(dsl, sealer).change(id, List.of(new EndpointHeader("X-Api-Key", VALUE)),
                List.of(), Instant.now());
        dsl.execute("INSERT INTO webhook_endpoint_headers (endpoint_id, name, value) VALUES (?, 'X-Tenant', ?)",
                id, VALUE);
    }

    @Test
    void showAndListNameTheHeadersAndHowTheyAreStoredNeverTheValues() throws Exception {
        Cli.Result table = Cli.run("endpoints", "show", String.valueOf(id));
        Cli.Result json = Cli.run("endpoints", "show", String.valueOf(id), "--json");
        Cli.Result list = Cli.run("endpoints", "list", "--json");

        assertTrue(table.out().contains("headers               X-Api-Key (value sealed (key "
                + sealer.keyId().orElseThrow() + ")); X-Tenant (value plain text)"), table.toString());
        JsonNode headers = JSON.readTree(json.out()).at("/endpoint/headers");
        assertEquals("X-Api-Key", headers.get(0).get("name").asText());
        assertTrue(headers.get(0).get("sealed").asBoolean());
        assertEquals(sealer.keyId().orElseThrow(), headers.get(0).get("keyId").asText());
        assertEquals("X-Tenant", headers.get(1).get("name").asText());
        assertFalse(headers.get(1).get("sealed").asBoolean());
        assertEquals(headers, JSON.readTree(list.out()).get(0).get("headers"));
        for (Cli.Result r : List.of(table, json, list)) {
            assertFalse(r.out().contains(VALUE) || r.out().contains("sealed:v2:"), r.toString());
        }
    }

    @Test
    void removingAHeaderNeedsNoKeyAndTakesAnyCase() {
        Cli.Result r = Cli.run("endpoints", "update", String.valueOf(id), "--remove-header", "x-api-key",
                "--remove-header", "X-Not-There");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().endsWith(", headers X-Tenant\n"), r.toString());
        assertEquals(List.of("X-Tenant"), dsl.fetch("SELECT name FROM webhook_endpoint_headers").getValues(0));
    }

    @Test
    void headersThatAreNotAllowedAreRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        List<String> many = new ArrayList<>(List.of("endpoints", "add", "--account", "acct_2", "--url",
                "https://example.com/other"));
        for (int i = 0; i <= 20; i++) {
            many.addAll(List.of("--header", "X-H" + i + ": " + VALUE));
        }
        Path file = dir.resolve("gateway.headers");
        Files.writeString(file, "# the gateway's key\n\nX-Api-Key: " + VALUE + "\nHost: " + VALUE + "\n");
        String add = "outbox endpoints add: ";
        String update = "outbox endpoints update: ";

        assertRefused(add + "header Content-Type cannot be set: the worker sets it, or it would break the request",
                "endpoints", "add", "--account", "acct_2", "--url", "https://example.com/other",
                "--header", "Content-Type: " + VALUE);
        assertRefused(update + "header x-d3-event cannot be set", "endpoints", "update", String.valueOf(id),
                "--header", "x-d3-event: " + VALUE);
        assertRefused(update + "the value of header X-Api-Key must be printable ASCII without control characters",
                "endpoints", "update", String.valueOf(id), "--header", "X-Api-Key: " + VALUE + "\u001b[8m");
        assertRefused(update + "a header is given as 'Name: value'; one has no colon",
                "endpoints", "update", String.valueOf(id), "--header", "X-Api-Key " + VALUE);
        assertRefused(update + "header X-API-KEY is given twice", "endpoints", "update", String.valueOf(id),
                "--header", "X-Api-Key: " + VALUE, "--header", "X-API-KEY: other");
        assertRefused(add + "21 headers, more than the 20 an endpoint may have", many.toArray(String[]::new));
        assertRefused(update + "header Host cannot be set", "endpoints", "update", String.valueOf(id),
                "--header-file", file.toString());

        assertEquals(1, dsl.fetchCount(dsl.selectFrom("webhook_endpoints")));
        assertEquals(2, dsl.fetchCount(dsl.selectFrom("webhook_endpoint_headers")));
    }

    private static void assertRefused(String message, String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith(message), r.toString());
        assertFalse(r.err().contains(VALUE) || r.out().contains(VALUE), "the value shows in:\n" + r);
    }
}
