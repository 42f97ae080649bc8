package com.d3.webhooks.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP server on 127.0.0.1 that misbehaves on purpose where the JDK's HttpServer cannot:
 * it never answers, stalls a body, resets the connection, answers garbage or answers without
 * end. Each accepted connection runs the {@link Behaviour} on a thread of its own.
 */
public final class RawReceiver implements AutoCloseable {

    /** What to do with one accepted connection; the socket is closed afterwards. */
    @FunctionalInterface
    public interface Behaviour {
        void serve(Socket socket, RawReceiver receiver) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Behaviour behaviour;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicInteger closedByPeer = new AtomicInteger();
    private volatile boolean open = true;

    public RawReceiver(Behaviour behaviour) {
        this.behaviour = behaviour;
        try {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        acceptor = new Thread(this::acceptLoop, "raw-receiver-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted. */
    public int accepted() {
        return accepted.get();
    }

    /** Complete requests read (headers and body) by {@link #readRequest}. */
    public int requests() {
        return requests.get();
    }

    /** Bytes the behaviours wrote with {@link #write} before the peer stopped reading or closed. */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** Connections on which the client hung up (read returned end of stream, or a write failed). */
    public int closedByPeer() {
        return closedByPeer.get();
    }

    private void acceptLoop() {
        while (open) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "raw-connection-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            behaviour.serve(s, this);
        } catch (IOException | InterruptedException e) {
            // the client went away, or the test closed the receiver
        }
    }

    /** Reads one HTTP/1.1 request (headers, then a Content-Length body); returns the head as text. */
    public String readRequest(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] h = head.toByteArray();
            if (h.length >= 4 && Arrays.equals(Arrays.copyOfRange(h, h.length - 4, h.length),
                    "\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
                break;
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        in.readNBytes(length);
        requests.incrementAndGet();
        return text;
    }

    /** Writes and counts; a failed write means the client hung up. */
    public void write(Socket s, byte[] bytes) throws IOException {
        write(s, bytes, bytes.length);
    }

    public void write(Socket s, byte[] bytes, int length) throws IOException {
        try {
            OutputStream out = s.getOutputStream();
            out.write(bytes, 0, length);
            out.flush();
            bytesWritten.addAndGet(length);
        } catch (SocketException e) {
            closedByPeer.incrementAndGet();
            throw e;
        }
    }

    public void write(Socket s, String text) throws IOException {
        write(s, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Blocks until the client closes the connection (or the receiver is closed), then counts it. */
    public void awaitPeerClose(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[1024];
        try {
            while (in.read(buffer) >= 0) {
                // discard
            }
            closedByPeer.incrementAndGet();
        } catch (SocketException e) {
            if (open) {
                closedByPeer.incrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        open = false;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
