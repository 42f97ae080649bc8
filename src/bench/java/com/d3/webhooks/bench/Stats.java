package com.d3.webhooks.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Medians of runs and percentiles of samples. */
final class Stats {

    private Stats() {
    }

    /** The median of the numbers; the mean of the middle two for an even count; null when empty. */
    static Double median(Collection<? extends Number> values) {
        List<Double> v = new ArrayList<>();
        for (Number n : values) {
            if (n != null && !Double.isNaN(n.doubleValue())) {
                v.add(n.doubleValue());
            }
        }
        if (v.isEmpty()) {
            return null;
        }
        v.sort(Double::compare);
        int m = v.size() / 2;
        return v.size() % 2 == 1 ? v.get(m) : (v.get(m - 1) + v.get(m)) / 2;
    }

    /** Nearest-rank percentile (0 < p <= 100) of values sorted ascending. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double[] sorted(Collection<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a;
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
