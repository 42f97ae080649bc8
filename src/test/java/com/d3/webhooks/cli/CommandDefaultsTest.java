package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.d3.webhooks.demo.Demo;
import com.d3.webhooks.operations.Prune;
import com.d3.webhooks.operations.Replay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The operator commands' defaults come from the constants the code runs with, and where a page
 * of docs/ has a table of them, the table says what --help shows. (The worker's: WorkerDefaultsTest.)
 */
class CommandDefaultsTest {

    private static CommandLine command(String... path) {
        CommandLine c = Main.commandLine();
        c.parseArgs(path);
        for (String name : path) {
            c = c.getSubcommands().get(name);
        }
        return c;
    }

    private static Object value(CommandLine c, String option) {
        return c.getCommandSpec().findOption(option).getValue();
    }

    @Test
    void theOptionsDefaultsAreTheCodesConstants() {
        CommandLine prune = command("prune");
        assertEquals(Prune.DEFAULT_RETENTION, value(prune, "--older-than"));
        assertEquals(Prune.DEFAULT_PAUSE, value(prune, "--pause"));
        assertEquals(Prune.DEFAULT_BATCH_SIZE, value(prune, "--batch-size"));
        assertEquals(Replay.DEFAULT_BATCH_SIZE, value(command("replay"), "--batch-size"));
        assertEquals(Demo.DEFAULT_TIMEOUT, value(command("demo"), "--timeout"));
        assertEquals(DeliveriesListCommand.DEFAULT_LIMIT, value(command("deliveries", "list"), "--limit"));
    }

    @Test
    void theDemosOptionTableSaysWhatHelpShows() throws Exception {
        CommandLine demo = command("demo");
        String doc = Files.readString(Path.of("docs/demo.md"));
        Matcher row = Pattern.compile("(?m)^\\| `(--timeout) [A-Z_]+` \\| `([^`]+)` \\|").matcher(doc);
        assertEquals(true, row.find(), "docs/demo.md has a --timeout row");
        assertEquals(demo.getCommandSpec().findOption(row.group(1)).defaultValueString(true), row.group(2));
    }
}
