package com.d3.webhooks.demo;

import com.d3.webhooks.signing.SignatureScheme;
import com.d3.webhooks.signing.SignatureVerifier;
import com.d3.webhooks.signing.VerificationResult;
import com.d3.webhooks.signing.WebhookSecret;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's webhook receiver: a JDK HTTP server on loopback that does what a customer's
 * receiver should. It verifies both signatures ({@code webhook-signature} and
 * {@code X-D3-Signature}, both required) over the raw body and answers 401 with the reason when
 * they do not verify; 200 otherwise, except for the one event it is told to turn away once
 * (503, as a receiver that is briefly down would), so the demo shows a retry.
 * <p>
 * Only requests to its own path count ({@link #url()}); anything else is answered 404.
 */
public final class DemoReceiver implements AutoCloseable {

    /**
     * What the receiver made of one request.
     *
     * @param eventType the {@code type} of the body (signed), or of the X-D3-Event header when the
     *                  body is not JSON
     * @param verified  true when both signatures verified
     * @param message   the verifier's one-line verdict
     * @param status    the HTTP status answered
     */
    public record Check(long deliveryId, int attempt, String eventType, boolean verified, String message,
                        int status) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private final String path;
    private final SignatureVerifier verifier;
    private final Set<UUID> rejectOnce = ConcurrentHashMap.newKeySet();
    private final Map<String, Check> checks = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> verifiedByType = new ConcurrentHashMap<>();

    /**
     * Starts listening on 127.0.0.1 at a free port.
     *
     * @param path the path it answers on, e.g. {@code /webhooks/demo_k3f9}
     */
    public DemoReceiver(String path, WebhookSecret secret, Clock clock) {
        this.path = path;
        this.verifier = new SignatureVerifier(List.of(secret), clock)
                .requiring(SignatureScheme.STANDARD_WEBHOOKS, SignatureScheme.D3_SIGNATURE);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1: " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "demo-receiver");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The first request carrying this event (webhook-id) is answered 503; later ones as usual. */
    public void rejectOnce(UUID eventId) {
        rejectOnce.add(eventId);
    }

    /** What the receiver concluded about the given attempt, if that request reached it. */
    public Optional<Check> check(long deliveryId, int attempt) {
        return Optional.ofNullable(checks.get(key(deliveryId, attempt)));
    }

    /** Requests whose two signatures verified, by event type. */
    public Map<String, Integer> verifiedByEventType() {
        Map<String, Integer> out = new TreeMap<>();
        verifiedByType.forEach((type, n) -> out.put(type, n.get()));
        return out;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestURI().getPath().equals(path) || !"POST".equals(exchange.getRequestMethod())) {
                answer(exchange, 404, "not a demo endpoint");
                return;
            }
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
            VerificationResult result = verifier.verify(headers, body);
            String eventType = eventType(body, headers);
            int status;
            String reply;
            if (!result.isValid()) {
                status = 401;
                reply = result.message();
            } else if (rejectsOnce(eventId(headers))) {
                status = 503;
                reply = "demo receiver: unavailable for this one request, on purpose; try again";
            } else {
                status = 200;
                reply = "ok";
            }
            if (result.isValid()) {
                verifiedByType.computeIfAbsent(eventType, t -> new AtomicInteger()).incrementAndGet();
            }
            long deliveryId = number(headers.get("X-D3-Delivery"));
            int attempt = (int) number(headers.get("X-D3-Attempt"));
            checks.put(key(deliveryId, attempt),
                    new Check(deliveryId, attempt, eventType, result.isValid(), result.message(), status));
            answer(exchange, status, reply);
        }
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, out.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(out);
        }
    }

    private static String eventType(byte[] body, Map<String, String> headers) {
        try {
            JsonNode type = JSON.readTree(body).get("type");
            if (type != null && type.isTextual()) {
                return type.asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: fall back to the header
        }
        return headers.getOrDefault("X-D3-Event", "unknown");
    }

    private boolean rejectsOnce(UUID eventId) {
        return eventId != null && rejectOnce.remove(eventId);
    }

    private static UUID eventId(Map<String, String> headers) {
        try {
            return UUID.fromString(headers.getOrDefault("webhook-id", ""));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static long number(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String key(long deliveryId, int attempt) {
        return deliveryId + "/" + attempt;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
