package com.d3.webhooks.bench;

import com.d3.webhooks.delivery.HttpSender;
import com.d3.webhooks.delivery.WebhookBody;
import com.d3.webhooks.network.DeliveryLookups;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.signing.WebhookSigner;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP-only floor, in a process of its own: the same signed ~1 KB POSTs the worker sends,
 * with the same client settings as {@code delivery.HttpSender} (HTTP/1.1, redirects never
 * followed, 5 s connect and 15 s request timeouts), from {@code --threads} threads each blocking
 * on {@code HttpClient.send}; no database. Each request builds its body and signs it, as the
 * worker does per attempt. Prints one line of JSON: requests, 2xx answers, failures, and the
 * sending loop's wall and CPU nanoseconds (the process's, JVM start excluded).
 *
 * <p>{@code java -cp target/webhook-outbox-bench.jar com.d3.webhooks.bench.HttpFloor --url URL
 * --requests N [--threads 16] [--secret whsec_...]}
 */
public final class HttpFloor {

    static final int DEFAULT_THREADS = 16;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    /** Counts a failed request; the first few are described on stderr, which ends in the run's log. */
    private static void report(AtomicLong failed, String what) {
        if (failed.incrementAndGet() <= 5) {
            System.err.println("request failed after " + Instant.now() + ": " + what);
        }
    }

    public static void main(String[] args) throws Exception {
        URI url = null;
        int requests = 20_000;
        int threads = DEFAULT_THREADS;
        String secretText = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = URI.create(args[++i]);
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--secret" -> secretText = args[++i];
                default -> {
                    System.err.println("usage: HttpFloor --url URL --requests N [--threads T] [--secret S]");
                    System.exit(2);
                }
            }
        }
        if (url == null) {
            System.err.println("HttpFloor: --url is required");
            System.exit(2);
        }
        List<WebhookSecret> secrets = secretText == null ? List.of() : List.of(WebhookSecret.parse(secretText));

        // What the worker reads from the database, prepared before the clock starts.
        int n = requests;
        String[] payloads = new String[n];
        UUID[] eventIds = new UUID[n];
        for (int i = 0; i < n; i++) {
            payloads[i] = Payloads.payload(i);
            eventIds[i] = UUID.randomUUID();
        }
        OffsetDateTime occurredAt = OffsetDateTime.now(ZoneOffset.UTC);

        // The floor posts to a loopback address written as such: nothing to resolve or judge.
        HttpClient client = HttpSender.newClient(CONNECT_TIMEOUT, new DeliveryLookups(false, CONNECT_TIMEOUT), null);
        AtomicInteger next = new AtomicInteger();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong retried = new AtomicLong();
        URI target = url;
        Runnable sender = () -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                Instant sentAt = Instant.now();
                byte[] body = WebhookBody.of(eventIds[i], Payloads.EVENT_TYPE, occurredAt, Payloads.ACCOUNT,
                        payloads[i]);
                long seconds = sentAt.getEpochSecond();
                HttpRequest.Builder request = HttpRequest.newBuilder(target)
                        .timeout(REQUEST_TIMEOUT)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .header("Content-Type", "application/json")
                        .header("User-Agent", "D3-Webhook-Outbox/bench-floor")
                        .header("X-D3-Event", Payloads.EVENT_TYPE)
                        .header("X-D3-Event-Id", eventIds[i].toString())
                        .header("X-D3-Delivery", Integer.toString(i + 1))
                        .header("X-D3-Attempt", "1")
                        .header("X-D3-Timestamp", Long.toString(seconds));
                WebhookSigner.sign(secrets, eventIds[i].toString(), seconds, body).asMap().forEach(request::header);
                HttpRequest built = request.build();
                // A pooled connection the receiver closed just as it was reused fails the request
                // with "received no bytes"; the worker would retry it, so the floor sends it once more.
                for (int attempt = 1; attempt <= 2; attempt++) {
                    try {
                        HttpResponse<byte[]> response = client.send(built, HttpResponse.BodyHandlers.ofByteArray());
                        if (response.statusCode() / 100 == 2) {
                            ok.incrementAndGet();
                        } else {
                            report(failed, "HTTP " + response.statusCode());
                        }
                        break;
                    } catch (java.io.IOException e) {
                        if (attempt == 2) {
                            report(failed, e.toString());
                        } else {
                            retried.incrementAndGet();
                        }
                    } catch (Exception e) {
                        report(failed, e.toString());
                        break;
                    }
                }
            }
        };

        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        List<Thread> pool = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(sender, "floor-sender-" + t);
            pool.add(thread);
            thread.start();
        }
        for (Thread thread : pool) {
            thread.join();
        }
        long wall = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requests", n);
        out.put("ok", ok.get());
        out.put("failed", failed.get());
        out.put("retried", retried.get());
        out.put("threads", threads);
        out.put("loopNanos", wall);
        out.put("loopCpuNanos", cpu);
        StringBuilder json = new StringBuilder("{");
        out.forEach((k, v) -> json.append(json.length() > 1 ? ", " : "").append('"').append(k).append("\": ").append(v));
        System.out.println(json.append('}'));
        System.exit(failed.get() == 0 ? 0 : 1);
    }
}
