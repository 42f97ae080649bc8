package com.d3.webhooks.operations;

import java.time.Duration;

/**
 * Delivery health of one endpoint, or of all (endpointId null), at one moment.
 *
 * @param pending           deliveries waiting for an attempt (due or not)
 * @param paused            deliveries paused while their endpoint is disabled
 * @param due               pending deliveries whose next attempt time has come
 * @param oldestDueAgeSeconds how long the longest-waiting due delivery has been due; null when none
 * @param inFlight          deliveries being attempted now
 * @param succeededLastHour deliveries that succeeded in the last hour (by completion time)
 * @param failedLastHour    deliveries that failed for good in the last hour
 * @param attemptsLastDay   attempts audited in the last 24 hours
 * @param successRate       successful attempts / attempts over the last 24 hours; null without attempts
 * @param p50DurationMs     median attempt duration over the last 24 hours; null without attempts
 * @param p95DurationMs     95th percentile attempt duration over the last 24 hours
 */
public record EndpointStats(Long endpointId, String url, Boolean enabled, long pending, long paused, long due,
                            Long oldestDueAgeSeconds, long inFlight, long succeededLastHour, long failedLastHour,
                            long succeededLastDay, long failedLastDay, long attemptsLastDay, Double successRate,
                            Double p50DurationMs, Double p95DurationMs) {
}
