package com.d3.webhooks.cli;

import com.d3.webhooks.tracing.TracingSetup;
import io.opentelemetry.sdk.OpenTelemetrySdk;

/** The commands' trace export, started only in a command's run (never for --help), from OTEL_* settings. */
final class TracingFromEnvironment {

    private TracingFromEnvironment() {
    }

    /** The SDK when the settings turn tracing on, else null; invalid settings are a usage error (exit 2). */
    static OpenTelemetrySdk start() {
        try {
            return TracingSetup.startIfConfigured();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
