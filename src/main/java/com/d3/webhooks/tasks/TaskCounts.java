package com.d3.webhooks.tasks;

/** How many file tasks of a main task have completed and failed, of how many. */
public record TaskCounts(int completed, int failed, int total) {

    public boolean allFinished() {
        return completed + failed == total;
    }
}
