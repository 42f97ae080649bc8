package com.d3.webhooks.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Signs, sends over real loopback HTTP and verifies what arrives: the HTTP stacks re-case the
 * header names on the way (the JDK server delivers {@code Webhook-id}), which a map-based test
 * would never show.
 */
class SignedDeliveryOverHttpTest {

    private final WebhookSecret secret = WebhookSecret.generate();
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServer receiver;

    @BeforeEach
    void startReceiver() throws Exception {
        var verifier = new SignatureVerifier(List.of(secret), Clock.systemUTC()).requiring(SignatureScheme.values());
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, values.get(0)));
            var result = verifier.verify(headers, body);
            byte[] reply = result.message().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(result.isValid() ? 200 : 401, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    @Test
    void signedPostVerifiesAtTheReceiver() throws Exception {
        var response = post("{\"event\":\"endpoint.test\"}", "{\"event\":\"endpoint.test\"}");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("valid: webhook-signature and X-D3-Signature verified", response.body());
    }

    @Test
    void bodyChangedInTransitIsRefusedAtTheReceiver() throws Exception {
        var response = post("{\"event\":\"endpoint.test\"}", "{\"event\": \"endpoint.test\"}");

        assertEquals(401, response.statusCode());
        assertEquals("bad signature in webhook-signature: it matches this body under none of the 1 configured "
                + "secret(s)", response.body());
    }

    private HttpResponse<String> post(String signedBody, String sentBody) throws Exception {
        var headers = WebhookSigner.sign(List.of(secret), "evt_1", Clock.systemUTC().instant().getEpochSecond(),
                signedBody.getBytes(StandardCharsets.UTF_8));
        var url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        var request = HttpRequest.newBuilder(url)
                .POST(HttpRequest.BodyPublishers.ofString(sentBody));
        headers.asMap().forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
