package com.d3.webhooks.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The runs of one scenario (or one variant of it, e.g. "workers=2") and their medians. */
final class ScenarioResult {

    final String name;
    final String description;
    final List<RunResult> runs = new ArrayList<>();

    ScenarioResult(String name, String description) {
        this.name = name;
        this.description = description;
    }

    /** Every metric name any run reported, in first-seen order. */
    Set<String> metricNames() {
        Set<String> names = new LinkedHashSet<>();
        runs.forEach(r -> names.addAll(r.metrics.keySet()));
        return names;
    }

    /** The median over the runs that measured it; null when none did. */
    Double median(String metric) {
        List<Number> values = new ArrayList<>();
        for (RunResult r : runs) {
            if (r.error == null && r.metrics.get(metric) != null) {
                values.add(r.metrics.get(metric));
            }
        }
        return Stats.median(values);
    }

    List<Number> values(String metric) {
        List<Number> values = new ArrayList<>();
        for (RunResult r : runs) {
            values.add(r.error != null ? null : r.metrics.get(metric));
        }
        return values;
    }

    boolean failed() {
        return runs.stream().anyMatch(r -> r.error != null);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("description", description);
        Map<String, Object> medians = new LinkedHashMap<>();
        for (String k : metricNames()) {
            Double v = median(k);
            medians.put(k, v == null ? null : Stats.round(v, Math.abs(v) >= 100 ? 1 : 4));
        }
        m.put("medians", medians);
        m.put("runs", runs.stream().map(RunResult::toJson).toList());
        return m;
    }
}
