package com.d3.webhooks.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP forward proxy on loopback that records the request line of everything it is asked
 * and forwards nothing, so no test traffic leaves loopback: a plain request is answered 200 by
 * the proxy itself, a {@code CONNECT} is refused with 403 (as Smokescreen refuses a destination
 * it does not allow).
 */
public final class RecordingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final List<String> requestLines = new CopyOnWriteArrayList<>();

    public RecordingProxy() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Thread accept = new Thread(this::acceptLoop, "recording-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    /** {@code http://127.0.0.1:PORT}, as --egress-proxy takes it. */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** E.g. "POST http://hooks.example.test:8080/d3 HTTP/1.1" or "CONNECT secure.example.test:443 HTTP/1.1". */
    public List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                answer(s);
            } catch (IOException e) {
                // closed, or a client that went away: nothing to record
            }
        }
    }

    private void answer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        String head = readHead(in);
        String requestLine = head.lines().findFirst().orElse("");
        requestLines.add(requestLine);
        OutputStream out = s.getOutputStream();
        if (requestLine.startsWith("CONNECT ")) {
            out.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        } else {
            in.readNBytes(contentLength(head));
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < end.length && (b = in.read()) >= 0) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static int contentLength(String head) {
        return head.lines().map(l -> l.toLowerCase(Locale.ROOT))
                .filter(l -> l.startsWith("content-length:"))
                .map(l -> Integer.parseInt(l.substring("content-length:".length()).trim()))
                .findFirst().orElse(0);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
