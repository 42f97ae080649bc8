package com.d3.webhooks.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code outbox} command. Exit codes: 0 success, 1 failure, 2 usage error. Errors are
 * printed as one line on stderr; stack traces only with OUTBOX_DEBUG=1.
 */
@Command(name = "outbox", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Delivers D3 task events from the PostgreSQL outbox as signed webhooks.",
        subcommands = {MigrateCommand.class, WorkerCommand.class, EndpointsCommand.class, DeliveriesCommand.class,
                ReplayCommand.class, SkipCommand.class, StatsCommand.class, PruneCommand.class, SecretsCommand.class,
                VerifyCommand.class, DemoCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 failure, 2 usage error.",
                "Times are printed in UTC; options taking a time accept ISO-8601 or a duration ago (2h, 7d).",
                "Run 'outbox COMMAND --help' for a command's options; docs/operators.md for the operators' guide."})
public final class Main implements Runnable {

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> report(cmd.getErr(), cmd, e));
        cl.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            String message = e instanceof CommandLine.UnmatchedArgumentException
                    ? UsageErrorText.withoutValues(e.getMessage(), args) : e.getMessage();
            err.println(e.getCommandLine().getCommandName() + ": " + Text.line(message));
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return USAGE;
        });
        return cl;
    }

    private static int report(PrintWriter err, CommandLine cmd, Exception e) {
        if ("1".equals(System.getenv("OUTBOX_DEBUG"))) {
            e.printStackTrace(err);
        }
        String name = cmd.getCommandSpec().qualifiedName();
        if (e instanceof UsageException) {
            err.println(name + ": " + Text.line(e.getMessage()));
            err.println("Try '" + name + " --help'.");
            return USAGE;
        }
        err.println(name + ": " + Errors.oneLine(e));
        return FAILURE;
    }

    /** Accepted by every command (inherited), before or after its name. */
    @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "text|json",
            defaultValue = "${env:OUTBOX_LOG_FORMAT:-text}", converter = LogFormat.Converter.class,
            description = "Log lines on stderr as readable text, or as one JSON object per line for log shippers "
                    + "(env OUTBOX_LOG_FORMAT; default text).")
    void logFormat(String format) {
        LogFormat.use(format);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"webhook-outbox " + (v == null ? "dev" : v)};
        }
    }
}
