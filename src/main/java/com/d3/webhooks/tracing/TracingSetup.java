package com.d3.webhooks.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Turns trace export on from OpenTelemetry's standard settings, and only then loads the SDK.
 *
 * <p>The rule: tracing is on when {@code OTEL_SDK_DISABLED} is not {@code true} and either
 * {@code OTEL_TRACES_EXPORTER} is set to something other than {@code none}, or
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set (not
 * empty) and {@code OTEL_TRACES_EXPORTER} is not {@code none}. Each may also be given as the
 * system property of the same name in lower case with dots ({@code -Dotel.traces.exporter=otlp}),
 * which wins, as in the SDK. Then the SDK is configured by autoconfigure from the same settings
 * ({@code OTEL_SERVICE_NAME}, {@code OTEL_TRACES_SAMPLER}, ...), with three defaults of this
 * project's: OTLP over HTTP with protobuf (the Java SDK's own default is gRPC, which this build
 * does not carry), metrics and logs not exported (the worker's metrics are Prometheus'), and the
 * service called {@code webhook-outbox} unless named.
 */
public final class TracingSetup {

    public static final String DEFAULT_SERVICE_NAME = "webhook-outbox";
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final String TRACES_EXPORTER = "OTEL_TRACES_EXPORTER";

    private TracingSetup() {
    }

    /** Whether the settings turn tracing on (see the class comment). */
    public static boolean configured(UnaryOperator<String> setting) {
        if ("true".equalsIgnoreCase(trimmed(setting.apply("OTEL_SDK_DISABLED")))) {
            return false;
        }
        String exporter = trimmed(setting.apply(TRACES_EXPORTER));
        if (exporter != null) {
            return !"none".equalsIgnoreCase(exporter);
        }
        return trimmed(setting.apply("OTEL_EXPORTER_OTLP_ENDPOINT")) != null
                || trimmed(setting.apply("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != null;
    }

    /** A setting from the system properties, else the environment. */
    public static String fromProcess(String envName) {
        String property = System.getProperty(envName.toLowerCase(Locale.ROOT).replace('_', '.'));
        return property != null ? property : System.getenv(envName);
    }

    /**
     * The SDK configured from this process's settings when they turn tracing on, else null (the
     * caller then uses {@link OpenTelemetry#noop()}). The caller closes it, which exports what is
     * still buffered.
     *
     * @throws IllegalArgumentException when the settings are invalid; the message never repeats
     *         the exporter headers' value (it usually holds a credential)
     */
    public static OpenTelemetrySdk startIfConfigured() {
        if (!configured(TracingSetup::fromProcess)) {
            return null;
        }
        for (String protocol : new String[] {"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"}) {
            if ("grpc".equalsIgnoreCase(trimmed(fromProcess(protocol)))) {
                throw new IllegalArgumentException(protocol + "=grpc: this build exports OTLP over HTTP only; use "
                        + "http/protobuf (the default) and the collector's HTTP port (4318)");
            }
        }
        try {
            return AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> Map.of("otel.exporter.otlp.protocol", "http/protobuf",
                            "otel.metrics.exporter", "none", "otel.logs.exporter", "none"))
                    .addResourceCustomizer((resource, config) -> named(resource))
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            String m = e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage());
            throw new IllegalArgumentException("invalid OpenTelemetry settings: "
                    + (m.toLowerCase(Locale.ROOT).contains("header")
                            ? "OTEL_EXPORTER_OTLP_HEADERS (or _TRACES_HEADERS) is not a list of name=value pairs "
                                    + "(its value is not shown: it may hold a credential)"
                            : m), e);
        }
    }

    private static Resource named(Resource resource) {
        String name = resource.getAttribute(SERVICE_NAME);
        return name == null || name.startsWith("unknown_service")
                ? resource.merge(Resource.builder().put(SERVICE_NAME, DEFAULT_SERVICE_NAME).build())
                : resource;
    }

    private static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
