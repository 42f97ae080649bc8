package com.d3.webhooks.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Aligned text columns for people, each cell one line with control characters escaped; scripts use --json. */
final class TablePrinter {

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    TablePrinter(String... headers) {
        this.headers = List.of(headers);
    }

    TablePrinter row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null ? "-" : Text.line(c.toString()));
        }
        rows.add(r);
        return this;
    }

    void print(PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<String> r : rows) {
                widths[i] = Math.max(widths[i], r.get(i).length());
            }
        }
        line(out, headers, widths);
        for (List<String> r : rows) {
            line(out, r, widths);
        }
        out.flush();
    }

    private static void line(PrintWriter out, List<String> cells, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            b.append(i == cells.size() - 1 ? cells.get(i) : String.format("%-" + widths[i] + "s  ", cells.get(i)));
        }
        out.println(b.toString().stripTrailing());
    }
}
