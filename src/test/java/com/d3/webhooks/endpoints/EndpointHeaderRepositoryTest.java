package com.d3.webhooks.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretSealer;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Setting and removing an endpoint's static headers: by name in any case, sealed, within the limits or not at all. */
class EndpointHeaderRepositoryTest {

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final SecretSealer sealer = SecretSealer.of(SecretSealer.newKey());
    private final EndpointHeaderRepository headers = new EndpointHeaderRepository(dsl, sealer);
    private long id;

    @BeforeEach
    void oneEndpoint() {
        TestDatabase.get().reset();
        id = new Fixtures(dsl).endpoint("acct_1", "https://example.com/hooks", null);
    }

    @Test
    void aHeaderIsReplacedByItsNameInAnyCase() {
        headers.change(id, List.of(new EndpointHeader("X-Api-Key", "old")), List.of(), Instant.now());
        headers.change(id, List.of(new EndpointHeader("x-api-key", "new")), List.of(), Instant.now());

        var row = dsl.resultQuery("SELECT name, value FROM webhook_endpoint_headers").fetchSingle();
        assertEquals("x-api-key", row.get(0, String.class), "the name as last given");
        assertEquals("new", sealer.open(row.get(1, String.class), SealedPlace.header(id, "X-API-KEY")));
    }

    @Test
    void overTheLimitsNothingChanges() {
        headers.change(id, List.of(new EndpointHeader("X-Keep", "v")), List.of(), Instant.now());
        List<EndpointHeader> twenty = new ArrayList<>();
        for (int i = 0; i < HeaderRules.MAX_HEADERS; i++) {
            twenty.add(new EndpointHeader("X-H" + i, "v"));
        }

        var e = assertThrows(IllegalArgumentException.class,
                () -> headers.change(id, twenty, List.of("x-keep-not-there"), Instant.now()));

        assertEquals("endpoint " + id + " would have 21 headers, more than the 20 an endpoint may have",
                e.getMessage());
        assertEquals(List.of("X-Keep"), dsl.fetch("SELECT name FROM webhook_endpoint_headers").getValues(0));
        headers.change(id, twenty, List.of("X-KEEP"), Instant.now());
        assertEquals(20, dsl.fetchCount(dsl.selectFrom("webhook_endpoint_headers")), "room made by the removal");
    }

    @Test
    void anEndpointThatDoesNotExistHasNoHeadersToChange() {
        assertFalse(headers.change(id + 1, List.of(new EndpointHeader("X-Api-Key", "v")), List.of(), Instant.now()));
    }
}
