package com.d3.webhooks.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a rotated-out credential keeps signing: {@code --overlap} of the rotate commands. */
final class OverlapOption {

    static final Duration MAX_OVERLAP = Duration.ofDays(30);

    @Option(names = "--overlap", defaultValue = "24h", converter = Converters.DurationConverter.class,
            description = "How long the old one keeps signing beside the new one; 0s stops it at once. At most 30d.")
    Duration overlap;

    /** @throws UsageException when outside 0s to 30d */
    Duration checked() {
        if (overlap.isNegative() || overlap.compareTo(MAX_OVERLAP) > 0) {
            throw new UsageException("--overlap must be 0s to 30d (got " + overlap + ")");
        }
        return overlap;
    }
}
