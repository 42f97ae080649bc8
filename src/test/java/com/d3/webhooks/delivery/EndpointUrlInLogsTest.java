package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.MutableClock;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.TestReceiver;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Customers put tokens in their URLs' query strings: log lines and events name an endpoint by
 * scheme, host, port and path only, while the audit row keeps the URL each attempt used.
 */
class EndpointUrlInLogsTest {

    private static final String TOKEN = "t0k3n-4f9d2c";

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);
    private final MutableClock clock = MutableClock.startingNow();

    @Test
    void aDeliveryIsNamedWithoutQueryFragmentOrUserInfo() {
        ClaimedDelivery d = new ClaimedDelivery(7, 1, null, 2, 0, UUID.randomUUID(), "fileTask.completed", "acct_1",
                OffsetDateTime.now(), "{}", 3, "https://u:" + TOKEN + "@hooks.example.com:8443/d3/in?token=" + TOKEN
                + "#" + TOKEN, EndpointCredentials.hmac(null, null, null));

        assertTrue(d.toString().endsWith("to endpoint 3 https://hooks.example.com:8443/d3/in"), d.toString());
    }

    @Test
    void retriesFailuresAndAutoDisablingLogNoQueryWhileTheAuditKeepsIt() {
        TestDatabase.get().reset();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = (Logger) LoggerFactory.getLogger("com.d3.webhooks");
        Level before = ours.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        root.addAppender(lines);
        ours.setLevel(Level.DEBUG);
        try (TestReceiver receiver = new TestReceiver();
             Worker worker = fx.worker(Fixtures.testConfig("w-1").autoDisableAfter(Duration.ofSeconds(5)).build(),
                     clock)) {
            receiver.on("/hook", r -> Reply.status(503));
            String url = receiver.url("/hook") + "?token=" + TOKEN;
            fx.endpoint("acct_1", url, null);
            fx.event("acct_1", "fileTask.completed", "{}");

            worker.drainDue();
            clock.advance(Duration.ofMinutes(2));
            worker.drainDue();

            assertEquals(2, fx.audit().size());
            assertEquals(url, fx.audit().get(0).getTargetUrl(), "the audit row keeps the whole URL");
            assertTrue(lines.list.stream().anyMatch(l -> l.getFormattedMessage().contains(receiver.url("/hook")
                    + " failed")), "the lines name the endpoint: " + lines.list);
            assertTrue(lines.list.stream().anyMatch(l -> l.getFormattedMessage().contains("disabled")),
                    "the endpoint was disabled: " + lines.list);
        } finally {
            root.detachAppender(lines);
            ours.setLevel(before);
        }
        for (ILoggingEvent line : lines.list) {
            assertFalse(line.getFormattedMessage().contains(TOKEN), line.getFormattedMessage());
        }
        String disabledEvent = dsl.resultQuery("SELECT payload::text FROM webhook_outbox WHERE event_type = "
                + "'endpoint.disabled'").fetchOne(0, String.class);
        assertFalse(disabledEvent.contains(TOKEN), disabledEvent);
    }
}
