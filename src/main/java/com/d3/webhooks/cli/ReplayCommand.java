package com.d3.webhooks.cli;

import com.d3.webhooks.db.Database;
import com.d3.webhooks.operations.DeliveryFilter;
import com.d3.webhooks.operations.DeliverySummary;
import com.d3.webhooks.operations.Replay;
import com.d3.webhooks.state.DeliveryState;
import java.io.Console;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Makes selected deliveries due now, each with a fresh retry budget.",
                "Safe while workers run: deliveries in flight are never touched, succeeded ones only with "
                        + "--include-succeeded; every earlier attempt stays in the audit log and the attempt "
                        + "numbering continues. Running the same replay again finds nothing left to do.",
                "Works in batches of one short statement each, with progress on stderr. Over "
                        + ReplayCommand.CONFIRM_OVER + " deliveries it asks for confirmation; without a "
                        + "terminal it needs --yes.",
                "Refused when a selected delivery's endpoint is disabled: enable it first.",
                "Exit codes: 0 replayed (or nothing to do, or --dry-run); 1 refused (disabled endpoint) or "
                        + "not confirmed; 2 usage error, including a large replay without a terminal or --yes."},
        footer = {"", "Examples:",
                "  outbox replay --endpoint 3 --since 2025-06-01T10:00:00Z --dry-run",
                "  outbox replay --endpoint 3 --since 6h --yes",
                "  outbox replay --delivery 41,42,57",
                "  outbox replay --event 5f0c2a9e-8d3b-4f8e-9a51-2b7c1d4e6f80 --include-succeeded   # resend on purpose",
                "  outbox replay --account acct_42 --type operation.failed --status failed,pending"})
final class ReplayCommand implements Callable<Integer> {

    static final int CONFIRM_OVER = 100;
    static final int PREVIEW_ROWS = 20;

    /** Asks the operator a yes/no question; tests replace it. */
    interface Confirmation {
        /** null when no one can be asked (stdin is not a terminal). */
        Boolean ask(String question);

        Confirmation CONSOLE = question -> {
            Console console = System.console();
            if (console == null) {
                return null;
            }
            String answer = console.readLine("%s [y/N] ", question);
            return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
        };
    }

    Confirmation confirmation = Confirmation.CONSOLE;

    @Mixin
    DatabaseOptions database;

    @Mixin
    DeliverySelection selection;

    @Spec
    CommandSpec spec;

    @Option(names = "--delivery", split = ",", paramLabel = "ID", description = "Only these deliveries (repeat or "
            + "comma-separate).")
    List<Long> deliveryIds = new ArrayList<>();

    @Option(names = "--status", split = ",", paramLabel = "STATE", defaultValue = "failed",
            description = "Take deliveries in these states: failed, pending (makes waiting retries due now), "
                    + "succeeded (needs --include-succeeded). Never in_flight.")
    List<String> states;

    @Option(names = "--include-succeeded", description = "Also resend deliveries that succeeded (on purpose: the "
            + "receiver gets them again).")
    boolean includeSucceeded;

    @Option(names = "--dry-run", description = "Print how many and the first rows that would be replayed; "
            + "change nothing.")
    boolean dryRun;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation over " + CONFIRM_OVER + ".")
    boolean yes;

    @Option(names = "--batch-size", defaultValue = "" + Replay.DEFAULT_BATCH_SIZE,
            description = "Deliveries per statement (1 to " + Replay.MAX_BATCH_SIZE
                    + "): smaller holds fewer row locks at once.")
    int batchSize;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        DeliveryFilter filter = selection.filter(deliveryIds, replayStates());
        if (batchSize < 1 || batchSize > Replay.MAX_BATCH_SIZE) {
            throw new UsageException("--batch-size must be 1 to " + Replay.MAX_BATCH_SIZE + " (got " + batchSize + ")");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String stateText = String.join(" or ", filter.states());
        try (Database db = database.open(1)) {
            Replay replay = new Replay(db.dsl());
            List<Long> disabled = replay.disabledEndpoints(filter);
            if (!disabled.isEmpty()) {
                String ids = disabled.stream().map(String::valueOf).collect(Collectors.joining(", "));
                throw new CommandFailure("refused: endpoint" + (disabled.size() > 1 ? "s " : " ") + ids
                        + (disabled.size() > 1 ? " are" : " is") + " disabled; enable "
                        + (disabled.size() > 1 ? "them" : "it") + " first ('outbox endpoints enable "
                        + disabled.get(0) + "') or narrow the selection with --endpoint; nothing was replayed");
            }
            long matched = replay.count(filter);
            if (matched == 0) {
                return report(out, dryRun, 0, 0, List.of(), "nothing to replay: no " + stateText
                        + " deliveries match");
            }
            if (dryRun) {
                List<DeliverySummary> first = replay.preview(filter, PREVIEW_ROWS);
                if (!json) {
                    out.println("would replay " + matched + " " + stateText + " deliveries"
                            + (matched > first.size() ? "; the first " + first.size() + ":" : ":"));
                    DeliveriesListCommand.print(first, spec);
                    out.println("(dry run: nothing changed)");
                    out.flush();
                    return Main.OK;
                }
                return report(out, true, matched, 0, first, null);
            }
            if (matched > CONFIRM_OVER && !yes) {
                Boolean answer = confirmation.ask("Replay " + matched + " " + stateText + " deliveries now?");
                if (answer == null) {
                    throw new UsageException("would replay " + matched + " deliveries, more than " + CONFIRM_OVER
                            + ": add --yes to confirm (stdin is not a terminal, so it cannot ask); check first "
                            + "with --dry-run");
                }
                if (!answer) {
                    throw new CommandFailure("not confirmed; nothing was replayed");
                }
            }
            long replayed = replay.run(filter, batchSize, Clock.systemUTC().instant(), soFar -> {
                err.println("replay: " + soFar + " of " + matched + " due again ("
                        + Math.min(100, soFar * 100 / matched) + "%)");
                err.flush();
            });
            return report(out, false, matched, replayed, List.of(), "replayed " + replayed + " deliveries; they "
                    + "are due now with a fresh retry budget" + (replayed < matched ? " (" + (matched - replayed)
                    + " changed state or were held by a worker meanwhile; run again to catch them)" : ""));
        }
    }

    private List<String> replayStates() {
        List<String> chosen = new ArrayList<>();
        for (String s : states) {
            String state = s.trim();
            if (state.equals(DeliveryState.IN_FLIGHT.sql())) {
                throw new UsageException("deliveries in flight are being sent now and are never replayed");
            }
            if (!Replay.replayable(state)) {
                throw new UsageException("--status " + state + " is not a state a replay takes: use failed, pending "
                        + "or succeeded");
            }
            if (state.equals(DeliveryState.SUCCEEDED.sql()) && !includeSucceeded) {
                throw new UsageException("replaying succeeded deliveries sends them again: add --include-succeeded "
                        + "to do it on purpose");
            }
            if (!chosen.contains(state)) {
                chosen.add(state);
            }
        }
        if (includeSucceeded && !chosen.contains(DeliveryState.SUCCEEDED.sql())) {
            chosen.add(DeliveryState.SUCCEEDED.sql());
        }
        return chosen;
    }

    private int report(PrintWriter out, boolean dry, long matched, long replayed, List<DeliverySummary> first,
                       String message) {
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("dryRun", dry);
            doc.put("matched", matched);
            doc.put("replayed", replayed);
            if (dry) {
                doc.put("first", first);
            }
            Json.print(out, doc);
        } else {
            out.println(message);
            out.flush();
        }
        return Main.OK;
    }
}
