package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/**
 * The packaged logback.xml must parse: when it does not, logback prints a stack trace on
 * stderr at the first database command, which buries the CLI's one-line messages.
 */
class LoggingConfigTest {

    @Test
    void thePackagedLogbackConfigurationIsWellFormedXml() throws Exception {
        try (InputStream in = Main.class.getResourceAsStream("/logback.xml")) {
            assertNotNull(in, "logback.xml is on the classpath");
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
            assertEquals("configuration", doc.getDocumentElement().getTagName());
        }
    }
}
