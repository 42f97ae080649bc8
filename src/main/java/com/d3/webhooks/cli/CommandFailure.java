package com.d3.webhooks.cli;

/** The command could not do what was asked (not a usage mistake): one line on stderr, exit code 1. */
final class CommandFailure extends RuntimeException {

    CommandFailure(String message) {
        super(message);
    }
}
