package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import org.junit.jupiter.api.Test;

/**
 * Output about traffic, which operators paste into tickets and dashboards, names an endpoint by
 * scheme, host, port and path; the endpoint's own configuration view shows the URL as registered.
 */
class UrlsInCommandOutputTest {

    private static final String TOKEN = "t0k3n-77c1e0";

    @Test
    void trafficOutputDropsTheQueryAndEndpointsShowKeepsIt() {
        TestDatabase.get().reset();
        try (TestReceiver receiver = new TestReceiver()) {
            String url = receiver.url("/hook") + "?token=" + TOKEN;
            long id = new Fixtures(TestDatabase.get().database().dsl()).endpoint("acct_1", url, null);

            Cli.Result test = Cli.run("endpoints", "test", Long.toString(id), "--allow-private-network");
            Cli.Result testJson = Cli.run("endpoints", "test", Long.toString(id), "--allow-private-network", "--json");
            Cli.Result stats = Cli.run("stats", "--json");
            Cli.Result statsTable = Cli.run("stats");
            Cli.Result delivery = Cli.run("deliveries", "show", "1", "--json");
            Cli.Result show = Cli.run("endpoints", "show", Long.toString(id));

            assertEquals(0, test.exit(), test.toString());
            assertTrue(test.out().startsWith("ok: " + receiver.url("/hook") + " answered HTTP 200"), test.toString());
            for (Cli.Result r : new Cli.Result[] {test, testJson, stats, statsTable, delivery}) {
                assertEquals(0, r.exit(), r.toString());
                assertFalse(r.out().contains(TOKEN), r.toString());
            }
            assertTrue(show.out().contains(url), show.toString());
        }
    }
}
