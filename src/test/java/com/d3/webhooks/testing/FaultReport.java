package com.d3.webhooks.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Appends one row of the fault matrix (docs/reliability.md) per fault test run to
 * {@code target/fault-matrix.md}, with the figures the run measured, so the published table is
 * copied from real runs rather than typed in.
 */
public final class FaultReport {

    private static final Path FILE = Path.of("target", "fault-matrix.md");

    private FaultReport() {
    }

    public static void row(String scenario, String whatWasDone, long expected, long delivered, long duplicated,
                           long lost, String howItEnded) {
        String line = "| " + scenario + " | " + whatWasDone + " | " + expected + " | " + delivered + " | "
                + duplicated + " | " + lost + " | " + howItEnded + " | "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " |\n";
        System.out.print("fault matrix: " + line);
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot write " + FILE + ": " + e.getMessage());
        }
    }
}
