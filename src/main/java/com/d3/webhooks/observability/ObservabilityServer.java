package com.d3.webhooks.observability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code --http-port}: {@code /metrics} in Prometheus text format, {@code /health/live} (the
 * process answers) and {@code /health/ready} (the database answers and the worker loop is alive;
 * 503 with the reason otherwise).
 */
public final class ObservabilityServer implements AutoCloseable {

    private final HttpServer server;

    /** @param readiness null when ready, else why not */
    public ObservabilityServer(String host, int port, PrometheusMeterRegistry registry, Supplier<String> readiness)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "outbox-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/metrics", x -> answer(x, 200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape()));
        server.createContext("/health/live", x -> answer(x, 200, "text/plain", "live\n"));
        server.createContext("/health/ready", x -> {
            String problem = readiness.get();
            answer(x, problem == null ? 200 : 503, "text/plain", problem == null ? "ready\n" : problem + "\n");
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Readiness from a database check and the worker loop's liveness. */
    public static Supplier<String> readiness(BooleanSupplier databaseAnswers, BooleanSupplier loopAlive) {
        return () -> !databaseAnswers.getAsBoolean() ? "not ready: the database does not answer"
                : !loopAlive.getAsBoolean() ? "not ready: the worker loop is not running" : null;
    }

    private static void answer(HttpExchange x, int status, String type, String body) throws IOException {
        try (x) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", type);
            x.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
