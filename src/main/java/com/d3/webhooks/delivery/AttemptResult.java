package com.d3.webhooks.delivery;

import java.time.Duration;

/**
 * What one HTTP attempt came to.
 *
 * @param status       HTTP status, null when no response arrived
 * @param bodyExcerpt  the first bytes of the response body as text, null when none
 * @param error        why the attempt counts as failed, null on success
 * @param durationMs   from just before the request to the end of reading the excerpt
 * @param retryAfter   the receiver's Retry-After on 429/503, null when absent
 * @param abort        the receiver answered {@code webhook-delivery: abort-message}: no more retries
 */
public record AttemptResult(Integer status, String bodyExcerpt, String error, int durationMs, Duration retryAfter,
                            boolean abort) {

    /** The Standard Webhooks way for a receiver to stop the retries of one message. */
    static final String ABORT_HEADER = "webhook-delivery";
    static final String ABORT_VALUE = "abort-message";

    public boolean succeeded() {
        return error == null;
    }

    /** 410 Gone: the endpoint no longer exists, and is disabled at once. */
    public boolean gone() {
        return status != null && status == 410;
    }

    static AttemptResult failure(String error, int durationMs) {
        return new AttemptResult(null, null, error, durationMs, null, false);
    }
}
