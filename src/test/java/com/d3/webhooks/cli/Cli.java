package com.d3.webhooks.cli;

import com.d3.webhooks.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine;

/** Runs the outbox CLI in-process against the test database, capturing stdout and stderr. */
final class Cli {

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    /** {@code args} then --database-url of the test database. */
    static Result run(String... args) {
        return run(cl -> { }, args);
    }

    static Result run(Consumer<CommandLine> setup, String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        setup.accept(cl);
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--database-url");
        all.add(TestDatabase.get().jdbcUrl());
        int exit = cl.execute(all.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }

    /** Without the database option, for --help and usage errors before any connection. */
    static Result runWithoutDatabase(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
