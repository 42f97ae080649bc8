package com.d3.webhooks.bench;

/**
 * The benchmark's event payloads: a JSON object of about {@value #TARGET_BYTES} bytes that looks
 * like a finished file task (ids, times, four files with hashes, tags), different for every index
 * and the same for the same index on every run. Written with ", " and ": " separators, the way
 * PostgreSQL prints jsonb, so the HTTP floor sends bodies of the same size as the worker.
 */
final class Payloads {

    static final int TARGET_BYTES = 1000;
    static final String ACCOUNT = "acct_bench";
    static final String EVENT_TYPE = "fileTask.completed";

    private Payloads() {
    }

    static String payload(long i) {
        StringBuilder b = new StringBuilder(TARGET_BYTES + 64);
        b.append("{\"tags\": [\"ocr\", \"archive\", \"priority-normal\"], \"files\": [");
        for (int f = 1; f <= 4; f++) {
            if (f > 1) {
                b.append(", ");
            }
            b.append("{\"path\": \"/inbox/2025/11/27/scan-").append(pad(i, 8)).append('-').append(f)
                    .append(".tif\", \"bytes\": ").append(1_000_000 + mix(i * 4 + f) % 9_000_000)
                    .append(", \"sha256\": \"").append(hex(mix(i * 31 + f))).append(hex(mix(i * 37 + f)))
                    .append(hex(mix(i * 41 + f))).append(hex(mix(i * 43 + f))).append("\"}");
        }
        b.append("], \"status\": \"completed\", \"taskId\": \"task_").append(pad(i, 10))
                .append("\", \"startedAt\": \"2025-11-27T10:00:00Z\", \"durationMs\": ").append(mix(i) % 60_000)
                .append(", \"completedAt\": \"2025-11-27T10:01:00Z\", \"operationId\": \"op_")
                .append(hex(mix(i + 7)).substring(0, 12)).append("\", \"note\": \"");
        int fill = TARGET_BYTES - b.length() - 2;
        for (int k = 0; k < fill; k++) {
            b.append((char) ('a' + (k * 7 + i) % 26));
        }
        return b.append("\"}").toString();
    }

    private static String pad(long v, int width) {
        String s = Long.toString(v);
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }

    private static String hex(long v) {
        String s = Long.toHexString(v);
        return s.length() >= 16 ? s : "0".repeat(16 - s.length()) + s;
    }

    /** SplitMix64's finaliser: a cheap, well-spread function of the index. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }
}
