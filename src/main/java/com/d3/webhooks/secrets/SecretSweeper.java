package com.d3.webhooks.secrets;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link EndpointSecrets#sealAll()} beside a running worker, so a plain-text secret the
 * dashboard's backend writes is sealed within one interval. A failed sweep (the database is
 * away) is logged and tried again at the next interval.
 */
public final class SecretSweeper implements AutoCloseable {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(SecretSweeper.class);

    private final ScheduledExecutorService timer;

    private SecretSweeper(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    public static SecretSweeper start(EndpointSecrets secrets, Duration interval) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-secret-sweeper");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                secrets.sealAll();
            } catch (RuntimeException e) {
                log.warn("sealing endpoint secrets failed ({}); trying again in {} s", e.getMessage(),
                        interval.toSeconds());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return new SecretSweeper(timer);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
