package com.d3.webhooks.faults;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_AUDIT_LOGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.FaultReport;
import com.d3.webhooks.testing.Fixtures;
import com.d3.webhooks.testing.RawReceiver;
import com.d3.webhooks.testing.TestDatabase;
import com.d3.webhooks.testing.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The memory bound, measured: a worker process with a 32 MB heap sends 32 deliveries, 16 at a
 * time, to a receiver that answers every one with a 100 MB body. Reading those bodies would need
 * 1.6 GB; the worker keeps the 4 KiB excerpt of each and hangs up, so it finishes normally. The
 * GC log gives the largest heap in use after a collection, which docs/reliability.md quotes.
 */
class BoundedMemoryTest {

    private static final int DELIVERIES = 32;
    private static final long HUNDRED_MB = 100L * 1024 * 1024;

    private final DSLContext dsl = TestDatabase.get().database().dsl();
    private final Fixtures fx = new Fixtures(dsl);

    @Test
    void sixteenConcurrentHundredMegabyteAnswersFitInAThirtyTwoMegabyteHeap() throws Exception {
        TestDatabase.get().reset();
        try (RawReceiver r = new RawReceiver((s, rr) -> {
            rr.readRequest(s);
            rr.write(s, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: " + HUNDRED_MB + "\r\n\r\n");
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            for (long sent = 0; sent < HUNDRED_MB; sent += chunk.length) {
                rr.write(s, chunk);
            }
        })) {
            fx.endpoint("acct_1", r.url("/huge"), null);
            for (int i = 0; i < DELIVERIES; i++) {
                fx.event("acct_1", "fileTask.completed", "{\"n\": " + i + "}");
            }
            Path gcLog = Path.of("target", "worker-logs", "bounded-memory-gc.log").toAbsolutePath();
            Files.deleteIfExists(gcLog);
            WorkerProcess worker = WorkerProcess.start("bounded-memory",
                    List.of("-Xmx32m", "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + gcLog), Map.of(),
                    "--allow-private-network", "--exit-when-idle", "--concurrency", "16",
                    "--max-in-flight-per-endpoint", "16", "--retry-schedule", "none", "--request-timeout", "5s");
            int exit = worker.awaitExit(120);

            assertEquals(0, exit, "exit code; log " + worker.log() + ":\n" + worker.logText());
            assertFalse(worker.logText().contains("OutOfMemoryError"), worker.logText());
            var audit = dsl.selectFrom(WEBHOOK_AUDIT_LOGS).fetch();
            assertEquals(DELIVERIES, audit.size());
            assertTrue(audit.stream().allMatch(a -> "HTTP 500".equals(a.getErrorMessage())
                    && a.getResponseBody().length() == 4096), "every attempt kept the 4 KiB excerpt");
            long maxAfterGcKb = maxHeapAfterGcKb(Files.readString(gcLog));
            FaultReport.row("receiver: 100 MB body x 16 concurrent", "worker process with -Xmx32m, 32 deliveries",
                    DELIVERIES, 0, 0, 0, "all 32 attempts failed HTTP 500 with a 4 KiB excerpt; exit 0; largest heap "
                            + "after GC " + maxAfterGcKb / 1024 + " MB; receiver wrote " + r.bytesWritten() / (1024 * 1024)
                            + " MB in all");
        }
    }

    /** From unified GC log lines such as "Pause Young (Allocation Failure) 8M->3M(30M) 2.1ms". */
    static long maxHeapAfterGcKb(String gcLog) {
        Matcher m = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\(").matcher(gcLog);
        long max = 0;
        while (m.find()) {
            long v = Long.parseLong(m.group(3));
            max = Math.max(max, switch (m.group(4)) {
                case "K" -> v;
                case "M" -> v * 1024;
                default -> v * 1024 * 1024;
            });
        }
        return max;
    }
}
