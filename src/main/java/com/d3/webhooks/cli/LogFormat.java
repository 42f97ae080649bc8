package com.d3.webhooks.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.Objects;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --log-format text|json}: logback.xml includes logback-text.xml or logback-json.xml by
 * the variable {@value #VARIABLE}, which logback reads from the system properties, then the
 * environment. The option sets the system property, so it wins over the environment; logback is
 * reconfigured only when it was already running with the other format, which keeps it off the
 * {@code --help} path.
 */
final class LogFormat {

    static final String VARIABLE = "OUTBOX_LOG_FORMAT";
    static final String TEXT = "text";
    static final String JSON = "json";

    private LogFormat() {
    }

    /** Accepts text or json (any case; empty is text), refuses anything else with what would be valid. */
    static final class Converter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.isEmpty()) {
                return TEXT;
            }
            if (!v.equals(TEXT) && !v.equals(JSON)) {
                throw new TypeConversionException("expected text or json (got '" + value + "')");
            }
            return v;
        }
    }

    /** Makes {@code format} the format of every log line from now on. */
    static void use(String format) {
        // What logback reads (or read, if it has started): the property, else the environment.
        String before = Objects.requireNonNullElse(System.getProperty(VARIABLE, System.getenv(VARIABLE)), TEXT);
        System.setProperty(VARIABLE, format);
        if (before.equals(format)) {
            return;
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.reset();
            try {
                new ContextInitializer(context).autoConfig();
            } catch (JoranException e) {
                throw new IllegalStateException("cannot configure logging: " + e.getMessage(), e);
            }
        }
    }
}
