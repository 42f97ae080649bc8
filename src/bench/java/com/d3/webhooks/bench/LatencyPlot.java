package com.d3.webhooks.bench;

import java.util.Locale;

/**
 * The latency distribution as an SVG written by hand: the cumulative share of events delivered
 * within x ms, x on a log scale, with the p50, p95 and p99 marked.
 */
final class LatencyPlot {

    private static final int W = 760;
    private static final int H = 420;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private LatencyPlot() {
    }

    /** @param sortedMs latencies in ms, ascending (negative clock noise is drawn at the left edge) */
    static String svg(double[] sortedMs, String title) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", W, H));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", LEFT, escape(title)));
        if (sortedMs.length == 0) {
            return b.append("<text x=\"60\" y=\"80\">no samples</text>\n</svg>\n").toString();
        }
        double lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.1, sortedMs[0]))));
        double hi = Math.pow(10, Math.ceil(Math.log10(Math.max(lo * 10, sortedMs[sortedMs.length - 1]))));
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        // grid and axes
        for (double d = lo; d <= hi * 1.0001; d *= 10) {
            for (int m = 1; m < 10 && d * m <= hi * 1.0001; m++) {
                double x = x(d * m, lo, hi, plotW);
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>%n",
                        x, TOP, x, TOP + plotH, m == 1 ? "#bbb" : "#eee"));
                if (m == 1) {
                    b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                            x, TOP + plotH + 16, Report.format(d)));
                }
            }
        }
        for (int p = 0; p <= 100; p += 25) {
            double y = TOP + plotH - p / 100.0 * plotH;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT, y, LEFT + plotW, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>%n",
                    LEFT - 6, y + 4, p));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">latency, commit to "
                + "receiver (ms, log scale)</text>%n", LEFT + plotW / 2, H - 12));
        // the cumulative curve, at most ~1,000 points
        b.append("<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"");
        int n = sortedMs.length;
        int step = Math.max(1, n / 1000);
        for (int i = 0; i < n; i += step) {
            appendPoint(b, sortedMs[i], (i + 1) / (double) n, lo, hi, plotW, plotH);
        }
        appendPoint(b, sortedMs[n - 1], 1.0, lo, hi, plotW, plotH);
        b.append("\"/>\n");
        String[] names = {"p50", "p95", "p99"};
        double[] ps = {50, 95, 99};
        for (int i = 0; i < ps.length; i++) {
            double v = Stats.percentile(sortedMs, ps[i]);
            double x = x(Math.max(lo, v), lo, hi, plotW);
            double y = TOP + plotH - ps[i] / 100 * plotH;
            b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#d1242f\"/>%n", x, y));
            boolean nearRight = x > W - RIGHT - 140;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#d1242f\" text-anchor=\"%s\">"
                    + "%s %s ms</text>%n", nearRight ? x - 8 : x + 8, y + 14 + i * 2, nearRight ? "end" : "start",
                    names[i], Report.format(v)));
        }
        return b.append("</svg>\n").toString();
    }

    private static void appendPoint(StringBuilder b, double ms, double share, double lo, double hi, int plotW,
                                    int plotH) {
        b.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(Math.max(lo, ms), lo, hi, plotW),
                TOP + plotH - share * plotH));
    }

    private static double x(double ms, double lo, double hi, int plotW) {
        return LEFT + (Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * plotW;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
