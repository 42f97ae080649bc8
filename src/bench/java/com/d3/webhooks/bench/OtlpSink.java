package com.d3.webhooks.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in OTLP/HTTP collector on loopback for runs with tracing on: it reads every export and
 * answers 200, so the workers pay for building and sending their spans and nothing else. Run it
 * beside bin/bench, with the workers pointed at it:
 * <pre>
 * java -cp target/webhook-outbox-bench.jar com.d3.webhooks.bench.OtlpSink 4318 &amp;
 * OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 bin/bench --scenario drain
 * </pre>
 * It prints the exports and bytes it received every 10 seconds while they grow.
 */
final class OtlpSink {

    private OtlpSink() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4318;
        AtomicLong exports = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 100);
        server.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                bytes.addAndGet(body.transferTo(java.io.OutputStream.nullOutputStream()));
            }
            exports.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        System.out.println("OTLP sink on http://127.0.0.1:" + port + " (POST /v1/traces)");
        long reported = 0;
        while (true) {
            Thread.sleep(10_000);
            if (exports.get() != reported) {
                reported = exports.get();
                System.out.println(reported + " exports, " + bytes.get() + " bytes");
            }
        }
    }
}
