package com.d3.webhooks.delivery;

import com.d3.webhooks.outbox.Outbox;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one connection that LISTENs on {@link Outbox#WAKEUP_CHANNEL} and wakes the worker when an
 * application's transaction that called NOTIFY commits. Only a shortcut past the poll wait: when
 * the connection breaks, the worker keeps polling while this reconnects, and it wakes the worker
 * once after every (re)connect because notifications sent meanwhile were lost.
 */
public final class WakeupListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WakeupListener.class);

    /** How long one wait for notifications blocks; bounds how long {@link #close()} takes. */
    private static final int WAIT_MILLIS = 250;
    private static final Duration RECONNECT_MIN = Duration.ofSeconds(1);
    private static final Duration RECONNECT_MAX = Duration.ofSeconds(30);

    private final DataSource dataSource;
    private final Runnable onWake;
    private final Thread thread;
    private volatile boolean running = true;
    /** The wait before the next reconnect; only the listener's thread touches it. */
    private Duration backoff = RECONNECT_MIN;

    private WakeupListener(DataSource dataSource, Runnable onWake) {
        this.dataSource = dataSource;
        this.onWake = onWake;
        this.thread = new Thread(this::run, "outbox-wakeup-listener");
        thread.setDaemon(true);
    }

    /** Starts listening; {@code onWake} runs on the listener's thread and must return quickly. */
    public static WakeupListener start(DataSource dataSource, Runnable onWake) {
        WakeupListener listener = new WakeupListener(dataSource, onWake);
        listener.thread.start();
        return listener;
    }

    private void run() {
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                try {
                    listenUntilStopped(c);
                } finally {
                    unlisten(c);
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("LISTEN {} connection lost ({}); polling alone until it is back, trying again in {} s",
                        Outbox.WAKEUP_CHANNEL, Worker.oneLine(e), backoff.toSeconds());
                pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(RECONNECT_MAX) > 0 ? RECONNECT_MAX : backoff.multipliedBy(2);
            }
        }
    }

    private void listenUntilStopped(Connection c) throws SQLException {
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + Outbox.WAKEUP_CHANNEL);
        }
        log.info("listening for NOTIFY {}: committed events wake this worker at once", Outbox.WAKEUP_CHANNEL);
        backoff = RECONNECT_MIN;
        onWake.run();
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
            PGNotification[] got = pg.getNotifications(WAIT_MILLIS);
            if (got != null && got.length > 0) {
                onWake.run();
            }
        }
    }

    /**
     * A pooled connection must not go back still listening: nobody would read its notifications,
     * and a listener that reads nothing holds back PostgreSQL's notification queue for everyone.
     */
    private static void unlisten(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("UNLISTEN *");
        } catch (SQLException broken) {
            // The session is gone with its LISTEN; the pool discards a broken connection.
        }
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            running = false;
        }
    }

    /** Stops listening within about {@value #WAIT_MILLIS} ms; the connection goes back to the pool. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
