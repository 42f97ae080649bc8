package com.d3.webhooks.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An endpoint that hangs: it accepts every connection on loopback and never answers, so each
 * request to it waits for the worker's request timeout. Closing it drops the connections (the
 * requests in flight then fail at once). java.net.http opens one HTTP/1.1 connection per request
 * in flight, so {@link #connections()} counts the requests that were held.
 */
final class HangingReceiver implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> held = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;

    HangingReceiver() throws IOException {
        server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "bench-hanging-receiver");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    int connections() {
        return connections.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                synchronized (held) {
                    held.add(s);
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        synchronized (held) {
            for (Socket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            held.clear();
        }
    }
}
