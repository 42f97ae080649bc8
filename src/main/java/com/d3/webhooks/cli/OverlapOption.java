package com.d3.webhooks.cli;

import com.d3.webhooks.config.Durations;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a rotated-out credential keeps signing: {@code --overlap} of the rotate commands. */
final class OverlapOption {

    static final String DEFAULT_OVERLAP = "24h";
    static final String MAX_OVERLAP_TEXT = "30d";
    static final Duration MAX_OVERLAP = Durations.parse(MAX_OVERLAP_TEXT);

    @Option(names = "--overlap", defaultValue = DEFAULT_OVERLAP, converter = Converters.DurationConverter.class,
            description = "How long the old one keeps signing beside the new one; 0s stops it at once. At most "
                    + MAX_OVERLAP_TEXT + ".")
    Duration overlap;

    /** @throws UsageException when outside 0s to the maximum */
    Duration checked() {
        if (overlap.isNegative() || overlap.compareTo(MAX_OVERLAP) > 0) {
            throw new UsageException("--overlap must be 0s to " + MAX_OVERLAP_TEXT + " (got " + overlap + ")");
        }
        return overlap;
    }
}
