package com.d3.webhooks.delivery;

import com.d3.webhooks.network.DeliveryLookups;
import com.d3.webhooks.network.EgressProxy;
import com.d3.webhooks.text.ControlCharacters;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import java.util.function.BiFunction;
import javax.net.ssl.SSLException;

/**
 * POSTs one request and turns whatever happens into an {@link AttemptResult} with a precise
 * error. Redirects are never followed. Called from a bounded pool of sender threads, each
 * blocking on its own request with {@code send}: on Java 17 that measured about twice the
 * throughput of many requests in flight through sendAsync alone, and sendAsync hands every
 * response to the common pool, which on a machine of two cores or fewer is a new thread per
 * response.
 */
public final class HttpSender {

    private static final int NO_HEADERS = -1;
    /** Longest piece of receiver-supplied text (a Location, a bad status line) echoed in an error. */
    private static final int MAX_ECHO = 200;
    /** TLS alerts a server sends about the certificate a client presented (or did not). */
    private static final List<String> CLIENT_CERTIFICATE_ALERTS = List.of("bad_certificate", "unknown_ca",
            "certificate_unknown", "unsupported_certificate", "certificate_expired", "certificate_revoked",
            "access_denied");

    /** Interrupts a sender whose exchange outlives the request timeout; one thread for all senders. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private final HttpClient client;
    private final DeliveryLookups lookups;
    private final EgressProxy proxy;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int excerptBytes;
    private final Clock clock;

    /** The worker's sender: lookups judged unless private destinations are allowed or a proxy resolves them. */
    HttpSender(WorkerConfig config, Clock clock) {
        this.lookups = new DeliveryLookups(!config.allowPrivateNetwork() && config.egressProxy() == null,
                config.connectTimeout());
        this.proxy = config.egressProxy();
        this.client = newClient(config.connectTimeout(), lookups, proxy, null);
        this.connectTimeout = config.connectTimeout();
        this.requestTimeout = config.requestTimeout();
        this.excerptBytes = config.responseExcerptBytes();
        this.clock = clock;
    }

    public AttemptResult post(URI uri, Map<String, String> headers, byte[] body) {
        return post(client, uri, headers, body);
    }

    /** As {@link #post(URI, Map, byte[])}, through a client built by {@link #clientPresenting}. */
    AttemptResult post(HttpClient via, URI uri, Map<String, String> headers, byte[] body) {
        return post(via, uri, headers, body, requestTimeout);
    }

    /**
     * As {@link #post(HttpClient, URI, Map, byte[])} within {@code timeout}, what is left of an
     * attempt's time; {@code via} null: the worker's own client.
     */
    AttemptResult post(HttpClient via, URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
        return exchange(via == null ? client : via, uri, headers, body, timeout, excerptBytes, this::judge);
    }

    /**
     * A request whose response the caller judges itself (the OAuth2 token request), through the
     * worker's own client: the result has an error only when no complete response arrived, and at
     * most {@code bodyLimit} bytes of body.
     */
    AttemptResult exchange(URI uri, Map<String, String> headers, byte[] body, Duration timeout, int bodyLimit) {
        return exchange(client, uri, headers, body, timeout, bodyLimit, (response, durationMs) -> new AttemptResult(
                response.statusCode(), new String(response.body(), StandardCharsets.UTF_8), null, durationMs, null,
                false));
    }

    private AttemptResult exchange(HttpClient via, URI uri, Map<String, String> headers, byte[] body,
                                   Duration timeout, int bodyLimit,
                                   BiFunction<HttpResponse<byte[]>, Integer, AttemptResult> judge) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        long start = System.nanoTime();
        // The status as soon as the headers arrive, so a failure while reading the body can say
        // that the receiver did answer.
        AtomicInteger headersStatus = new AtomicInteger(NO_HEADERS);
        HttpResponse.BodyHandler<byte[]> excerpt = BoundedBody.handler(bodyLimit);
        HttpResponse.BodyHandler<byte[]> handler = info -> {
            headersStatus.set(info.statusCode());
            return excerpt.apply(info);
        };
        // The request timeout bounds the wait for headers; the watchdog bounds the whole exchange,
        // so a receiver that sends headers and then stalls the body cannot hold a sender.
        Thread sender = Thread.currentThread();
        AtomicBoolean overdue = new AtomicBoolean();
        ScheduledFuture<?> alarm = WATCHDOG.schedule(() -> {
            overdue.set(true);
            sender.interrupt();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        DeliveryLookups.Scope lookup = lookups.open();
        try {
            return judge.apply(via.send(request.build(), handler), elapsedMs(start));
        } catch (IOException | IllegalArgumentException e) {
            String error = lookup.refusal().orElseGet(() -> describe(e, uri, headersStatus.get(), timeout));
            return failure(error, headersStatus.get(), start);
        } catch (InterruptedException e) {
            if (overdue.get()) {
                return failure(timeout(uri, headersStatus.get(), timeout), headersStatus.get(), start);
            }
            Thread.currentThread().interrupt();
            return AttemptResult.failure("interrupted: the worker stopped before a response arrived",
                    elapsedMs(start));
        } finally {
            lookup.close();
            alarm.cancel(false);
            if (overdue.get()) {
                // The alarm's interrupt must not outlive this request (it may land just after send returned).
                Thread.interrupted();
            }
        }
    }

    /**
     * The worker's client settings (HTTP/1.1; redirects never followed: a 3xx is a failed
     * attempt). The benchmark's HTTP floor uses this too, so the two measure the same client.
     *
     * <p>The executor runs the client's own tasks where they arise, mostly on its selector thread,
     * instead of handing each response to a pool thread that then wakes the sender: one thread
     * switch less per request. Measured (bin/bench http-floor and drain, 20,000 requests, 3 runs
     * each): 20-25% less CPU per request and about 10% more deliveries/s. It is safe because
     * nothing the client runs blocks: senders block in {@code send} on their own threads, and the
     * body handler only copies at most the excerpt. The cost: one thread does the TLS work of all
     * connections, which a worker with keep-alive connections and ~1 KB bodies hardly notices.
     *
     * <p>No proxy but the given one (null: none): the JVM's default selector would follow
     * {@code -Dhttps.proxyHost} and the like, and a proxy that nobody configured for deliveries
     * resolves names where no check sees them.
     */
    public static HttpClient newClient(Duration connectTimeout, DeliveryLookups lookups, EgressProxy proxy) {
        return newClient(connectTimeout, lookups, proxy, null);
    }

    /**
     * A client like this sender's own, with the same lookups and proxy, whose TLS context presents
     * a client certificate; it trusts servers as the default client does.
     */
    HttpClient clientPresenting(SSLContext tls) {
        return newClient(connectTimeout, lookups, proxy, tls);
    }

    /** @param tls the TLS context; null: the JVM's default, as for every endpoint without a client certificate */
    private static HttpClient newClient(Duration connectTimeout, DeliveryLookups lookups, EgressProxy proxy,
                                        SSLContext tls) {
        return lookups.newClient(() -> {
            HttpClient.Builder builder = HttpClient.newBuilder()
                    .executor(Runnable::run)
                    .connectTimeout(connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .version(HttpClient.Version.HTTP_1_1)
                    .proxy(proxy == null ? HttpClient.Builder.NO_PROXY : proxy.selector());
            if (tls != null) {
                builder.sslContext(tls);
            }
            return builder.build();
        });
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "outbox-http-watchdog");
            t.setDaemon(true);
            return t;
        });
        // Nearly every alarm is cancelled; without this each would wait in the queue for its time.
        w.setRemoveOnCancelPolicy(true);
        return w;
    }

    private static AttemptResult failure(String error, int headersStatus, long start) {
        Integer status = headersStatus == NO_HEADERS ? null : headersStatus;
        return new AttemptResult(status, null, error, elapsedMs(start), null, false);
    }

    private AttemptResult judge(HttpResponse<byte[]> response, int durationMs) {
        int status = response.statusCode();
        String excerpt = new String(response.body(), StandardCharsets.UTF_8);
        String error = null;
        if (status >= 300 && status < 400) {
            error = "HTTP " + status + ": redirect not followed (Location: "
                    + echo(response.headers().firstValue("location").orElse("none")) + ")";
        } else if (status < 200 || status >= 300) {
            error = "HTTP " + status;
        }
        Duration retryAfter = status == 429 || status == 503
                ? RetryAfter.parse(response.headers().firstValue("retry-after").orElse(null), clock.instant())
                : null;
        boolean abort = error != null && response.headers().firstValue(AttemptResult.ABORT_HEADER)
                .map(v -> v.trim().equalsIgnoreCase(AttemptResult.ABORT_VALUE)).orElse(false);
        if (abort) {
            error += " (receiver asked to stop retrying: " + AttemptResult.ABORT_HEADER + ": "
                    + AttemptResult.ABORT_VALUE + ")";
        }
        return new AttemptResult(status, excerpt.isEmpty() ? null : excerpt, error, durationMs, retryAfter, abort);
    }

    private String timeout(URI uri, int headersStatus, Duration timeout) {
        String target = target(uri);
        String bound = timeout.toMillis() + " ms (" + (timeout.equals(requestTimeout) ? "request timeout"
                : "what was left of the attempt's connect + request timeout") + ")";
        if (headersStatus == NO_HEADERS) {
            return "timeout: no response from " + target + " within " + bound;
        }
        return "timeout: " + target + " sent HTTP " + headersStatus + " headers but the body was not complete "
                + "within " + bound;
    }

    /**
     * One line that says what went wrong and where (host and port only: a URL's path and query
     * may carry the customer's tokens). Text that came from the receiver is cut short and its
     * control characters escaped.
     */
    private String describe(Throwable t, URI uri, int headersStatus, Duration timeout) {
        String target = target(uri);
        if (t instanceof HttpConnectTimeoutException) {
            return "connect timeout: no connection to " + target + " within " + connectTimeout.toMillis() + " ms";
        }
        if (t instanceof HttpTimeoutException) {
            return timeout(uri, headersStatus, timeout);
        }
        Throwable root = rootCause(t);
        String when = headersStatus == NO_HEADERS ? "before any response"
                : "after HTTP " + headersStatus + " headers, before the body was complete";
        if (root instanceof UnknownHostException || find(t, UnresolvedAddressException.class) != null) {
            return "cannot resolve host '" + uri.getHost() + "'";
        }
        SSLException tls = find(t, SSLException.class);
        if (tls != null) {
            return tlsFailure(target, t, tls);
        }
        ProtocolException protocol = find(t, ProtocolException.class);
        if (protocol != null) {
            return "not an HTTP/1.1 response from " + target + ": " + echo(protocol.getMessage());
        }
        ConnectException connect = find(t, ConnectException.class);
        if (connect != null) {
            // Java 17's client reports a refused connection as a ConnectException with no
            // message, caused by a ClosedChannelException; other causes name themselves.
            String m = connect.getMessage() == null ? "" : connect.getMessage().toLowerCase(Locale.ROOT);
            return m.isEmpty() || m.contains("refused")
                    ? "connection refused by " + target + " (nothing listens there)"
                    : "cannot connect to " + target + ": " + echo(connect.getMessage());
        }
        String m = String.valueOf(root.getMessage()).toLowerCase(Locale.ROOT);
        if (root instanceof SocketException && m.contains("reset")) {
            return "connection reset by " + target + " " + when;
        }
        if (root instanceof EOFException || m.contains("received no bytes") || m.contains("eof reached")
                || m.contains("connection closed")) {
            return "connection closed by " + target + " " + when;
        }
        if (t instanceof IOException || root instanceof IOException) {
            return "I/O error with " + target + " " + when + ": " + message(root);
        }
        return "unexpected error with " + target + ": " + message(root);
    }

    /** Says which check refused the certificate; the detail is the JDK's own words. */
    private static String tlsFailure(String target, Throwable t, SSLException tls) {
        String prefix = "TLS handshake with " + target + " failed: ";
        if (find(t, CertificateExpiredException.class) != null) {
            return prefix + "the server's certificate has expired";
        }
        if (find(t, CertPathBuilderException.class) != null || find(t, CertPathValidatorException.class) != null) {
            return prefix + "the server's certificate is not trusted (self-signed, or issued by an authority "
                    + "not in the worker's trust store)";
        }
        Throwable root = rootCause(t);
        String detail = echo(root.getMessage() == null ? tls.getMessage() : root.getMessage());
        if (root instanceof CertificateException && detail.toLowerCase(Locale.ROOT).contains("subject alternative")) {
            return prefix + "the server's certificate is not valid for this host (" + detail + ")";
        }
        String alert = detail.toLowerCase(Locale.ROOT);
        if (alert.contains("received fatal alert: certificate_required")) {
            return prefix + "the receiver requires a client certificate, and none was presented (" + detail + ")";
        }
        if (alert.contains("received fatal alert") && CLIENT_CERTIFICATE_ALERTS.stream().anyMatch(alert::contains)) {
            return prefix + "the receiver refused the client certificate, or its absence (" + detail + ")";
        }
        return prefix + detail;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static String target(URI uri) {
        return uri.getHost() + ":" + port(uri);
    }

    /** Receiver-supplied text for an error message: cut short, control characters escaped. */
    private static String echo(String s) {
        return s == null ? "" : ControlCharacters.escape(s, MAX_ECHO);
    }

    private static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": "
                + echo(t.getMessage());
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static int elapsedMs(long startNanos) {
        return (int) TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
