package com.d3.webhooks.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The bench's handle on a {@link BenchReceiver} process: start, reset, count, dump, stop. */
final class ReceiverProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final String server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ReceiverProcess(Process process, int port, String server) {
        this.process = process;
        this.port = port;
        this.server = server;
    }

    /**
     * Starts a receiver JVM with a small serial-GC heap (it holds only primitive arrays) and, for
     * the JDK server, 1,000 idle keep-alive connections instead of 200 and TCP_NODELAY.
     */
    static ReceiverProcess start(BenchEnv env, String server, int threads) throws IOException, InterruptedException {
        Path portFile = env.logDir().resolve("receiver-" + server + "-" + System.nanoTime() + ".port");
        List<String> cmd = new ArrayList<>(List.of(env.java(), "-XX:+UseSerialGC", "-Xms64m", "-Xmx512m",
                "-Dsun.net.httpserver.maxIdleConnections=1000", "-Dsun.net.httpserver.nodelay=true",
                "-cp", env.benchClassPath(), BenchReceiver.class.getName(),
                "--server", server, "--threads", Integer.toString(threads), "--port-file", portFile.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(env.logDir().resolve("receiver-" + server + ".log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(portFile)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("the receiver did not start; see "
                        + env.logDir().resolve("receiver-" + server + ".log"));
            }
            Thread.sleep(20);
        }
        int port = Integer.parseInt(Files.readString(portFile).trim());
        Files.deleteIfExists(portFile);
        return new ReceiverProcess(p, port, server);
    }

    String server() {
        return server;
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    long pid() {
        return process.pid();
    }

    long cpuTicks() {
        return Proc.cpuTicks(process.pid());
    }

    void reset(int failPercent) throws IOException, InterruptedException {
        call("POST", "/_reset?failPercent=" + failPercent);
    }

    /** 2xx answers so far. */
    long successes() throws IOException, InterruptedException {
        return Long.parseLong(call("GET", "/_count").trim().split(" ")[1]);
    }

    /** The most delivery requests the receiver had in progress at once since the last reset. */
    int maxInProgress() throws IOException, InterruptedException {
        return Integer.parseInt(call("GET", "/_count").trim().split(" ")[2]);
    }

    Received dump() throws IOException, InterruptedException {
        return Received.parse(call("GET", "/_dump"));
    }

    private String call(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("receiver answered " + response.statusCode() + " to " + path);
        }
        return response.body();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
