package com.d3.webhooks.cli;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.network.EgressProxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option value parsers; a bad value becomes a usage error naming the valid forms. */
final class Converters {

    private Converters() {
    }

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code http://HOST:PORT}; empty (an empty OUTBOX_EGRESS_PROXY) means no proxy. */
    static final class EgressProxyConverter implements ITypeConverter<EgressProxy> {
        @Override
        public EgressProxy convert(String value) {
            try {
                return value.isBlank() ? null : EgressProxy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** ISO-8601 or a duration ago ({@code 2h} is two hours before now), see {@link Times}. */
    static final class InstantConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return Times.parse(value, Clock.systemUTC());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
