package com.d3.webhooks.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Everything one demo run did, for the text output and for {@code --json}.
 *
 * @param accountId   the account created for this run
 * @param databaseUrl the JDBC URL used, without a password
 * @param problem     null when every delivery succeeded; else why the run failed, in one line
 */
public record DemoResult(String accountId, String databaseUrl, long endpointId, String endpointUrl,
                         List<Task> tasks, List<AttemptLine> attempts, List<SummaryRow> summary, SummaryRow total,
                         List<Inspect> inspect, long elapsedMs, String problem) {

    public DemoResult {
        tasks = List.copyOf(tasks);
        attempts = List.copyOf(attempts);
        summary = List.copyOf(summary);
        inspect = List.copyOf(inspect);
    }

    /** True when every delivery of the run succeeded. */
    @JsonProperty("ok")
    public boolean ok() {
        return problem == null;
    }

    /** One operation of the scenario: its file tasks' outcomes and the status they led to. */
    public record Task(UUID mainTaskId, String label, List<String> files, String status, int completed,
                       int failed, int total) {
        public Task {
            files = List.copyOf(files);
        }
    }

    /**
     * One recorded delivery attempt, as the worker's listener saw it after commit, with what the
     * receiver concluded about the same request.
     *
     * @param httpStatus null when no response arrived
     * @param outcome    succeeded, retrying, failed, or taken over
     * @param retryIn    the scheduled wait before the next attempt when retrying, else null
     * @param error      the attempt's error, null on success
     * @param receiver   the receiver's check of this request; null when it never reached the receiver
     * @param traceId    the trace the event's task change began (32 hex digits); null when untraced
     */
    public record AttemptLine(Instant sentAt, String eventType, long deliveryId, int attempt, Integer httpStatus,
                              String outcome, Duration retryIn, String error, DemoReceiver.Check receiver,
                              String traceId) {
    }

    /**
     * One line of the summary, read from webhook_audit_logs (the receiver's count of verified
     * signatures added).
     */
    public record SummaryRow(String eventType, int deliveries, int attempts, int successes, int failures,
                             int signaturesVerified) {
    }

    /** A way to look at the same data by hand, with the exact command. */
    public record Inspect(String title, String command) {
    }
}
