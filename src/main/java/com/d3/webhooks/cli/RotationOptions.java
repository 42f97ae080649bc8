package com.d3.webhooks.cli;

import com.d3.webhooks.config.Durations;
import com.d3.webhooks.endpoints.SecretRotation;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What the rotate commands (rotate-secret, rotate-signing-key) take alike: the database, the
 * endpoint's id and {@code --overlap}, how long a rotated-out credential keeps signing; and how
 * they report the old one's end.
 */
final class RotationOptions {

    static final String DEFAULT_OVERLAP = "24h";
    static final String MAX_OVERLAP_TEXT = "30d";
    static final Duration MAX_OVERLAP = Durations.parse(MAX_OVERLAP_TEXT);

    @Mixin
    DatabaseOptions database;

    @Parameters(index = "0", paramLabel = "ID", description = "The endpoint's id.")
    long id;

    @Option(names = "--overlap", defaultValue = DEFAULT_OVERLAP, converter = Converters.DurationConverter.class,
            description = "How long the old one keeps signing beside the new one; 0s stops it at once. At most "
                    + MAX_OVERLAP_TEXT + ".")
    Duration overlap;

    /** @throws UsageException when outside 0s to the maximum */
    Duration checkedOverlap() {
        if (overlap.isNegative() || overlap.compareTo(MAX_OVERLAP) > 0) {
            throw new UsageException("--overlap must be 0s to " + MAX_OVERLAP_TEXT + " (got " + overlap + ")");
        }
        return overlap;
    }

    /** Warns on {@code err} when the rotation stopped the previous one's credential ({@code what}: secret, key). */
    static void warnIfDroppedOlder(SecretRotation rotation, PrintWriter err, String what) {
        if (rotation.droppedOlderSecret()) {
            err.println("warning: the " + what + " of the previous rotation stopped signing now (only two " + what
                    + "s sign at a time)");
        }
    }

    /**
     * Says until when the old credential keeps signing, or that it stopped now; true when there was
     * one, so the caller can say what it means to have had none.
     */
    static boolean printOldOnesEnd(SecretRotation rotation, PrintWriter out, String what) {
        if (rotation.previousSecretExpiresAt() != null) {
            out.println("The old " + what + " keeps signing too until "
                    + Times.format(rotation.previousSecretExpiresAt()) + "; after that only the new one signs.");
        } else if (rotation.hadSecret()) {
            out.println("The old " + what + " stopped signing now (--overlap 0s).");
        } else {
            return false;
        }
        return true;
    }
}
