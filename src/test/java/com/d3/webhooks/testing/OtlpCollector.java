package com.d3.webhooks.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real OTLP/HTTP listener on loopback: keeps every POST /v1/traces and answers 200. Exports are
 * OTLP's default protobuf; {@link #hasTrace} looks for a span's trace_id field in them (tag 0x0a,
 * length 16, then the 16 bytes), which is as much of the format as a test needs.
 */
public final class OtlpCollector implements AutoCloseable {

    /** One export as received. */
    public record Export(String contentType, byte[] body) {
    }

    private final HttpServer server;
    private final List<Export> exports = new CopyOnWriteArrayList<>();

    public OtlpCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        server.createContext("/v1/traces", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            exchange.getRequestBody().transferTo(body);
            if ("POST".equals(exchange.getRequestMethod())) {
                exports.add(new Export(exchange.getRequestHeaders().getFirst("Content-Type"), body.toByteArray()));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    /** The value of OTEL_EXPORTER_OTLP_ENDPOINT that reaches this listener. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Export> exports() {
        return List.copyOf(exports);
    }

    /** Whether a span of this trace (32 hex digits) was exported. */
    public boolean hasTrace(String traceId) {
        byte[] field = new byte[18];
        field[0] = 0x0a;
        field[1] = 16;
        System.arraycopy(HexFormat.of().parseHex(traceId), 0, field, 2, 16);
        return contains(field);
    }

    /** Whether any export holds these bytes. */
    public boolean contains(byte[] bytes) {
        return exports.stream().anyMatch(e -> indexOf(e.body(), bytes) >= 0);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
