package com.d3.webhooks.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/**
 * The shipped logging configuration must parse: when it does not, logback silently falls back to
 * DEBUG on stdout, which mixes query logs into --json output (it happened: a "--" in a comment).
 * Tests never load this file (logback-test.xml wins on the test class path), so nothing else
 * would notice.
 */
class LogbackConfigTest {

    @Test
    void theShippedLogbackXmlIsWellFormedAndLogsToStderr() throws Exception {
        var doc = parse("logback.xml");
        var include = doc.getElementsByTagName("include");
        assertEquals(1, include.getLength());
        assertEquals("logback-${OUTBOX_LOG_FORMAT:-text}.xml",
                include.item(0).getAttributes().getNamedItem("resource").getTextContent());
        // Each format it may include (--log-format text|json) writes to stderr.
        for (String format : new String[] {"text", "json"}) {
            var target = parse("logback-" + format + ".xml").getElementsByTagName("target");
            assertEquals(1, target.getLength(), format);
            assertEquals("System.err", target.item(0).getTextContent(), format);
        }
    }

    private static org.w3c.dom.Document parse(String name) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(Path.of("src", "main", "resources", name).toFile());
    }
}
