package com.d3.webhooks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "deliveries", mixinStandardHelpOptions = true,
        description = "Lists deliveries and shows one with its whole audit trail.",
        subcommands = {DeliveriesListCommand.class, DeliveriesShowCommand.class})
final class DeliveriesCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
