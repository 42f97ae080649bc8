package com.d3.webhooks.observability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The shipped text log format (what a worker run by hand prints on the terminal) shows control
 * characters in a message escaped: an endpoint's URL or a receiver's text can carry them.
 */
class TextLogsTest {

    @Test
    void controlCharactersInAMessageAreEscaped() throws Exception {
        PrintStream before = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            context.putProperty("OUTBOX_LOG_FORMAT", "text");
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(TextLogsTest.class.getResource("/logback.xml"));
            context.getLogger("com.d3.webhooks.test").warn("delivery to {} failed",
                    "https://x.example/\u001b]52;c;aGk=\u0007\u009b2J");
        } finally {
            context.stop();
            System.setErr(before);
        }
        String line = captured.toString(StandardCharsets.UTF_8);
        assertTrue(line.contains("delivery to https://x.example/\\x1b]52;c;aGk=\\x07\\x9b2J failed"), line);
        assertTrue(line.chars().noneMatch(c -> c == 0x1b || c == 0x07 || c == 0x9b), line);
        // A warning about the configuration makes logback print its whole status at every start.
        assertTrue(context.getStatusManager().getCopyOfStatusList().stream()
                .allMatch(s -> s.getEffectiveLevel() < ch.qos.logback.core.status.Status.WARN),
                context.getStatusManager().getCopyOfStatusList().toString());
    }
}
