package com.d3.webhooks.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The benchmark's webhook receiver, run in a process of its own so that its CPU is not the
 * worker's: {@code java -cp target/webhook-outbox-bench.jar com.d3.webhooks.bench.BenchReceiver}.
 * It answers every delivery at once with 204 and records, per request, the event id
 * (X-D3-Event-Id), delivery id (X-D3-Delivery), attempt (X-D3-Attempt), status answered, receive
 * time (wall clock, epoch microseconds) and body size. Nothing is verified or parsed beyond those
 * headers: the receiver must not be the bottleneck.
 *
 * <p>Control paths (all other paths are deliveries):
 * <ul>
 * <li>{@code POST /_reset?failPercent=N}: forget every request; from now on answer 500 to the
 *     first attempt of a deterministic N% of event ids (chosen by a hash of the id);</li>
 * <li>{@code GET /_count}: {@code <requests> <2xx answers> <most delivery requests in progress at once>};
 *     a request is in progress from its request line being read to its answer being written, so
 *     the last figure shows whether an ordered key's deliveries were ever sent side by side;</li>
 * <li>{@code GET /_dump}: one line per request, {@code event-id delivery-id attempt status
 *     receive-epoch-micros body-bytes}.</li>
 * </ul>
 *
 * <p>Two servers, chosen with {@code --server}: {@code socket} (default), a blocking
 * thread-per-connection HTTP/1.1 server of a hundred lines that answers in one write; and
 * {@code jdk}, the JDK's {@code com.sun.net.httpserver} with a fixed pool of {@code --threads}
 * handler threads (start it with {@code -Dsun.net.httpserver.maxIdleConnections=1000
 * -Dsun.net.httpserver.nodelay=true}). {@code bin/bench --scenario receiver} measures both.
 */
public final class BenchReceiver {

    private static final byte[] NO_CONTENT = "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_ERROR =
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Requests requests = new Requests();
    private final java.util.concurrent.atomic.AtomicInteger inProgress = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxInProgress = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int failPercent;

    public static void main(String[] args) throws Exception {
        String server = "socket";
        int port = 0;
        int threads = 32;
        Path portFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--server" -> server = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--port-file" -> portFile = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: BenchReceiver [--server socket|jdk] [--port P] [--threads N] "
                            + "[--port-file FILE]");
                    System.exit(2);
                }
            }
        }
        BenchReceiver receiver = new BenchReceiver();
        int bound = switch (server) {
            case "socket" -> receiver.startSocketServer(port);
            case "jdk" -> receiver.startJdkServer(port, threads);
            default -> throw new IllegalArgumentException("--server must be socket or jdk (got " + server + ")");
        };
        System.out.println("BenchReceiver (" + server + ") listening on http://127.0.0.1:" + bound + "/");
        System.out.flush();
        if (portFile != null) {
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(bound));
            Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
        }
        Thread.currentThread().join();
    }

    // ---------------------------------------------------------------- what every server does

    /** Records one delivery request and returns the status to answer. */
    int delivery(String eventId, String deliveryId, String attempt, int bodyBytes) {
        long micros = epochMicros();
        UUID event = parseUuid(eventId);
        int attemptNo = parseInt(attempt);
        int status = failPercent > 0 && attemptNo == 1 && event != null && failsFirst(event, failPercent) ? 500 : 204;
        requests.add(event, parseLong(deliveryId), attemptNo, status, micros, bodyBytes);
        return status;
    }

    /** Answers a control path; null when the path is not one. */
    String control(String method, String path, String query) {
        switch (path) {
            case "/_count":
                return requests.count().trim() + " " + maxInProgress.get() + "\n";
            case "/_dump":
                return requests.dump();
            case "/_reset":
                int percent = 0;
                if (query != null && query.startsWith("failPercent=")) {
                    percent = Integer.parseInt(query.substring("failPercent=".length()));
                }
                requests.reset();
                maxInProgress.set(0);
                failPercent = percent;
                return "reset; failing the first attempt of " + percent + "% of events\n";
            default:
                return path.startsWith("/_") ? "unknown control path " + path + "\n" : null;
        }
    }

    /** A delivery request starts: counts it as in progress and notes the most at once. */
    private void begin() {
        maxInProgress.accumulateAndGet(inProgress.incrementAndGet(), Math::max);
    }

    private void end() {
        inProgress.decrementAndGet();
    }

    /** The deterministic choice of event ids whose first attempt fails. */
    static boolean failsFirst(UUID eventId, int percent) {
        long h = eventId.getMostSignificantBits() * 0x9E3779B97F4A7C15L ^ eventId.getLeastSignificantBits();
        h ^= h >>> 29;
        return Math.floorMod(h, 100) < percent;
    }

    private static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    // ---------------------------------------------------------------- blocking socket server

    private int startSocketServer(int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
        ExecutorService connections = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "receiver-connection");
            t.setDaemon(true);
            return t;
        });
        Thread acceptor = new Thread(() -> {
            while (true) {
                try {
                    Socket s = server.accept();
                    s.setTcpNoDelay(true);
                    connections.execute(() -> serve(s));
                } catch (IOException e) {
                    System.err.println("accept failed: " + e.getMessage());
                }
            }
        }, "receiver-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        return server.getLocalPort();
    }

    /** One keep-alive connection: requests in, one write per answer, until the peer closes. */
    private void serve(Socket socket) {
        boolean counted = false;
        try (socket; InputStream raw = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            Input lines = new Input(raw);
            while (true) {
                String requestLine = lines.next();
                if (requestLine == null) {
                    return;
                }
                if (requestLine.isEmpty()) {
                    continue;
                }
                String[] parts = requestLine.split(" ");
                String method = parts[0];
                String target = parts.length > 1 ? parts[1] : "/";
                boolean isDelivery = !target.startsWith("/_");
                if (isDelivery) {
                    begin();
                    counted = true;
                }
                long contentLength = 0;
                boolean chunked = false;
                boolean close = parts.length > 2 && parts[2].equals("HTTP/1.0");
                String eventId = null;
                String deliveryId = null;
                String attempt = null;
                for (String h = lines.next(); h != null && !h.isEmpty(); h = lines.next()) {
                    int colon = h.indexOf(':');
                    if (colon < 0) {
                        continue;
                    }
                    String name = h.substring(0, colon).trim().toLowerCase();
                    String value = h.substring(colon + 1).trim();
                    switch (name) {
                        case "content-length" -> contentLength = Long.parseLong(value);
                        case "transfer-encoding" -> chunked = value.toLowerCase().contains("chunked");
                        case "connection" -> close = value.equalsIgnoreCase("close");
                        case "x-d3-event-id" -> eventId = value;
                        case "x-d3-delivery" -> deliveryId = value;
                        case "x-d3-attempt" -> attempt = value;
                        default -> { }
                    }
                }
                long bodyBytes = chunked ? skipChunked(lines) : lines.skip(contentLength);
                int q = target.indexOf('?');
                String path = q < 0 ? target : target.substring(0, q);
                String query = q < 0 ? null : target.substring(q + 1);
                String answer = control(method, path, query);
                if (answer != null) {
                    byte[] body = answer.getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                } else {
                    int status = delivery(eventId, deliveryId, attempt, (int) bodyBytes);
                    out.write(status == 204 ? NO_CONTENT : SERVER_ERROR);
                }
                out.flush();
                if (isDelivery) {
                    end();
                    counted = false;
                }
                if (close) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // The peer went away or sent garbage: the connection ends, the receiver goes on.
            if (counted) {
                end();
            }
        }
    }

    private static long skipChunked(Input in) throws IOException {
        long total = 0;
        while (true) {
            String sizeLine = in.next();
            if (sizeLine == null) {
                throw new IOException("chunked body ended early");
            }
            int semi = sizeLine.indexOf(';');
            long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                for (String t = in.next(); t != null && !t.isEmpty(); t = in.next()) {
                    // trailers
                }
                return total;
            }
            total += in.skip(size);
            in.next();
        }
    }

    /**
     * A connection's input with its own buffer: lines (ISO-8859-1, CRLF or LF) and skipped
     * bodies. Not BufferedInputStream, whose every read() takes a lock on Java 17.
     */
    private static final class Input {
        private final InputStream in;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;
        private byte[] line = new byte[256];

        Input(InputStream in) {
            this.in = in;
        }

        private boolean fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                return false;
            }
            pos = 0;
            lim = n;
            return true;
        }

        /** The next line without its end; null at the end of the stream. */
        String next() throws IOException {
            int n = 0;
            while (true) {
                if (pos == lim && !fill()) {
                    return n == 0 ? null : new String(line, 0, n, StandardCharsets.ISO_8859_1);
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    if (n > 0 && line[n - 1] == '\r') {
                        n--;
                    }
                    return new String(line, 0, n, StandardCharsets.ISO_8859_1);
                }
                if (n == line.length) {
                    if (n >= 64 * 1024) {
                        throw new IOException("header line too long");
                    }
                    line = Arrays.copyOf(line, n * 2);
                }
                line[n++] = b;
            }
        }

        long skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                if (pos == lim && !fill()) {
                    throw new IOException("body ended early");
                }
                int take = (int) Math.min(left, lim - pos);
                pos += take;
                left -= take;
            }
            return n;
        }
    }

    // ---------------------------------------------------------------- JDK HttpServer

    private int startJdkServer(int port, int threads) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
        server.setExecutor(Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "receiver-handler");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            long bodyBytes = exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            String answer = control(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery());
            if (answer != null) {
                byte[] body = answer.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            begin();
            try {
                var h = exchange.getRequestHeaders();
                int status = delivery(h.getFirst("X-D3-Event-Id"), h.getFirst("X-D3-Delivery"),
                        h.getFirst("X-D3-Attempt"), (int) bodyBytes);
                exchange.sendResponseHeaders(status, -1);
            } finally {
                end();
            }
        }
    }

    // ---------------------------------------------------------------- the record of requests

    /** Every request in arrival order, in primitive arrays: a million requests cost ~50 MB. */
    private static final class Requests {
        private long[] eventHi = new long[1 << 16];
        private long[] eventLo = new long[1 << 16];
        private long[] delivery = new long[1 << 16];
        private long[] micros = new long[1 << 16];
        private int[] attempt = new int[1 << 16];
        private int[] status = new int[1 << 16];
        private int[] bytes = new int[1 << 16];
        private int size;
        private long successes;

        synchronized void add(UUID event, long deliveryId, int attemptNo, int answered, long at, int bodyBytes) {
            if (size == micros.length) {
                int n = size * 2;
                eventHi = Arrays.copyOf(eventHi, n);
                eventLo = Arrays.copyOf(eventLo, n);
                delivery = Arrays.copyOf(delivery, n);
                micros = Arrays.copyOf(micros, n);
                attempt = Arrays.copyOf(attempt, n);
                status = Arrays.copyOf(status, n);
                bytes = Arrays.copyOf(bytes, n);
            }
            eventHi[size] = event == null ? 0 : event.getMostSignificantBits();
            eventLo[size] = event == null ? 0 : event.getLeastSignificantBits();
            delivery[size] = deliveryId;
            micros[size] = at;
            attempt[size] = attemptNo;
            status[size] = answered;
            bytes[size] = bodyBytes;
            size++;
            if (answered < 300) {
                successes++;
            }
        }

        synchronized void reset() {
            size = 0;
            successes = 0;
        }

        synchronized String count() {
            return size + " " + successes + "\n";
        }

        synchronized String dump() {
            StringBuilder b = new StringBuilder(size * 80);
            for (int i = 0; i < size; i++) {
                b.append(new UUID(eventHi[i], eventLo[i])).append(' ').append(delivery[i]).append(' ')
                        .append(attempt[i]).append(' ').append(status[i]).append(' ').append(micros[i]).append(' ')
                        .append(bytes[i]).append('\n');
            }
            return b.toString();
        }
    }

    private static UUID parseUuid(String s) {
        try {
            return s == null ? null : UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int parseInt(String s) {
        try {
            return s == null ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
