package com.d3.webhooks.cli;

import java.util.Optional;

/** What the endpoint subcommands share. */
final class EndpointCommands {

    private EndpointCommands() {
    }

    static <T> T require(Optional<T> found, long id) {
        return found.orElseThrow(() -> notFound(id));
    }

    static CommandFailure notFound(long id) {
        return new CommandFailure("no endpoint " + id + "; 'outbox endpoints list' shows the ids");
    }
}
