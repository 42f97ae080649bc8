package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.d3.webhooks.delivery.RetrySchedule;
import com.d3.webhooks.delivery.WorkerConfig;
import com.d3.webhooks.admission.CircuitBreaker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The worker's defaults are said in three places: WorkerConfig (what the code does), the options'
 * defaults (what --help shows) and the option tables of docs/configuration.md and the README. They agree.
 */
class WorkerDefaultsTest {

    private static CommandLine worker() {
        assumeTrue(System.getenv().keySet().stream().noneMatch(k -> k.startsWith("OUTBOX_")
                        && !k.startsWith("OUTBOX_TEST_") && !k.equals("OUTBOX_JAVA_OPTS")),
                "an OUTBOX_ variable of the environment would change the defaults");
        CommandLine main = Main.commandLine();
        main.parseArgs("worker");
        return main.getSubcommands().get("worker");
    }

    @Test
    void theOptionsDefaultsAreWorkerConfigs() {
        CommandLine worker = worker();
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("--concurrency", WorkerConfig.DEFAULT_CONCURRENCY);
        expected.put("--max-in-flight-per-endpoint", WorkerConfig.DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT);
        expected.put("--batch-size", WorkerConfig.DEFAULT_BATCH_SIZE);
        expected.put("--route-batch-size", WorkerConfig.DEFAULT_ROUTE_BATCH_SIZE);
        expected.put("--poll-min", WorkerConfig.DEFAULT_POLL_MIN);
        expected.put("--poll-max", WorkerConfig.DEFAULT_POLL_MAX);
        expected.put("--lease", WorkerConfig.DEFAULT_LEASE);
        expected.put("--connect-timeout", WorkerConfig.DEFAULT_CONNECT_TIMEOUT);
        expected.put("--request-timeout", WorkerConfig.DEFAULT_REQUEST_TIMEOUT);
        expected.put("--max-retry-after", WorkerConfig.DEFAULT_MAX_RETRY_AFTER);
        expected.put("--auto-disable-after", WorkerConfig.DEFAULT_AUTO_DISABLE_AFTER);
        expected.put("--max-payload-bytes", WorkerConfig.DEFAULT_MAX_PAYLOAD_BYTES);
        expected.put("--response-excerpt-bytes", WorkerConfig.DEFAULT_RESPONSE_EXCERPT_BYTES);
        expected.put("--shutdown-grace", WorkerConfig.DEFAULT_SHUTDOWN_GRACE);
        expected.put("--breaker-threshold", CircuitBreaker.DEFAULT_THRESHOLD);
        expected.put("--breaker-pause", CircuitBreaker.DEFAULT_PAUSE);
        expected.put("--breaker-max-pause", CircuitBreaker.DEFAULT_MAX_PAUSE);
        expected.forEach((name, value) -> {
            OptionSpec o = worker.getCommandSpec().findOption(name);
            assertEquals(value, o.getValue(), name);
        });
        assertEquals(RetrySchedule.DEFAULT.toString(),
                worker.getCommandSpec().findOption("--retry-schedule").defaultValueString(true));
    }

    @Test
    void theDocumentedDefaultsAreWhatHelpShows() throws Exception {
        assertTrue(documentedDefaultsCompared("docs/configuration.md") >= 15, "rows of docs/configuration.md");
        assertTrue(documentedDefaultsCompared("README.md") >= 5, "rows of README.md");
    }

    /** Compares each option row's default with --help's; returns how many rows it compared. */
    private static int documentedDefaultsCompared(String file) throws Exception {
        CommandLine worker = worker();
        String doc = Files.readString(Path.of(file));
        Matcher row = Pattern.compile("(?m)^\\| `(--[a-z-]+)` \\| `OUTBOX_[A-Z_]+` \\| `?([^|`]+?)`? \\|").matcher(doc);
        int compared = 0;
        while (row.find()) {
            OptionSpec o = worker.getCommandSpec().findOption(row.group(1));
            String shown = o.defaultValueString(true);
            if (shown == null || shown.isEmpty() || shown.equals("null")) {
                continue; // documented in words ("host-pid-random", "none")
            }
            assertEquals(shown, row.group(2).trim(), row.group(1) + " in " + file);
            compared++;
        }
        return compared;
    }
}
