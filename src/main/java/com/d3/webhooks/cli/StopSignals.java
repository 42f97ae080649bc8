package com.d3.webhooks.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT ask a long-running command to stop; the command then finishes its own
 * shutdown and exits 0. A JVM shutdown hook could not do that: the JVM exits with 143 after it.
 */
final class StopSignals {

    private StopSignals() {
    }

    static void onTermOrInt(Runnable stop) {
        Runnable once = new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
                if (!done) {
                    done = true;
                    new Thread(stop, "outbox-stop").start();
                }
            }
        };
        Signal.handle(new Signal("TERM"), s -> once.run());
        Signal.handle(new Signal("INT"), s -> once.run());
    }
}
