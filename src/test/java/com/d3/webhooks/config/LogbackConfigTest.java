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
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(Path.of("src", "main", "resources", "logback.xml").toFile());
        var target = doc.getElementsByTagName("target");
        assertEquals(1, target.getLength());
        assertEquals("System.err", target.item(0).getTextContent());
    }
}
