package com.d3.webhooks.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run of one scenario: named figures (numbers, reported as medians over runs), details kept
 * in the JSON only (plans, per-worker counts), raw latency samples for the plot, and an error when
 * the run could not be measured.
 */
final class RunResult {

    final Map<String, Number> metrics = new LinkedHashMap<>();
    final Map<String, Object> details = new LinkedHashMap<>();
    double[] latenciesMs;
    String error;

    /** Stamps the run with the machine's load average when it started. */
    RunResult loadAtStart(String loadAverage) {
        details.put("load_average_at_start", loadAverage);
        return this;
    }

    RunResult put(String key, Number value) {
        metrics.put(key, value instanceof Double d && !Double.isNaN(d) && !Double.isInfinite(d)
                ? Stats.round(d, Math.abs(d) >= 100 ? 1 : 4) : value);
        return this;
    }

    RunResult detail(String key, Object value) {
        details.put(key, value);
        return this;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>(metrics);
        m.replaceAll((k, v) -> v instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : v);
        if (!details.isEmpty()) {
            m.put("details", details);
        }
        if (error != null) {
            m.put("error", error);
        }
        return m;
    }
}
