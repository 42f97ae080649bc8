package com.d3.webhooks.cli;

import com.d3.webhooks.config.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** Option value parsers; a bad value becomes a usage error naming the valid forms. */
final class Converters {

    private Converters() {
    }

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Durations.parse(value);
        }
    }
}
