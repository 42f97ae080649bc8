package com.d3.webhooks.observability;

import java.util.Arrays;

/** Reads one sample out of a Prometheus text scrape. */
final class Scrapes {

    private Scrapes() {
    }

    /** The sample value of a series written exactly as given (name and sorted labels). */
    static double value(String scrape, String series) {
        return Arrays.stream(scrape.split("\n"))
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim().split(" ")[0]))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no series " + series + " in:\n" + scrape));
    }
}
