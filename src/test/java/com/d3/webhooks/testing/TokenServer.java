package com.d3.webhooks.testing;

import com.d3.webhooks.testing.TestReceiver.Received;
import com.d3.webhooks.testing.TestReceiver.Reply;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An OAuth2 token endpoint on loopback (client credentials grant, HTTP Basic client
 * authentication): it checks the client's id and secret and issues tokens tok-1, tok-2, ... that
 * {@link #bearerChecker()} accepts at a receiver until they are revoked. A test may make it answer
 * otherwise, slowly, or with tokens of a given lifetime.
 */
public final class TokenServer implements AutoCloseable {

    private final TestReceiver http = new TestReceiver();
    private final String clientId;
    private final String clientSecret;
    private final String tokenPrefix;
    private final Set<String> valid = ConcurrentHashMap.newKeySet();
    private final AtomicInteger issued = new AtomicInteger();
    private volatile long expiresIn = 3600;
    private volatile long delayMs;
    private volatile Reply instead;

    public TokenServer(String clientId, String clientSecret) {
        this(clientId, clientSecret, "tok-");
    }

    /** Issues tokens {@code tokenPrefix}1, {@code tokenPrefix}2, ... */
    public TokenServer(String clientId, String clientSecret, String tokenPrefix) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.tokenPrefix = tokenPrefix;
        http.on("/token", this::answer);
    }

    public String url() {
        return http.url("/token");
    }

    /** Every token request received, in order. */
    public java.util.List<Received> requests() {
        return http.received("/token");
    }

    public TokenServer expiresIn(long seconds) {
        expiresIn = seconds;
        return this;
    }

    public TokenServer delayed(long ms) {
        delayMs = ms;
        return this;
    }

    /** Answers every token request with {@code reply} until called again with null. */
    public TokenServer answering(Reply reply) {
        instead = reply;
        return this;
    }

    /** The token stops working at the receiver. */
    public void revoke(String token) {
        valid.remove(token);
    }

    /** A receiver's script: 200 for a valid token in "Authorization: Bearer", else 401. */
    public Function<Received, Reply> bearerChecker() {
        return r -> {
            String auth = r.header("Authorization");
            boolean ok = auth != null && auth.startsWith("Bearer ") && valid.contains(auth.substring(7));
            return Reply.status(ok ? 200 : 401);
        };
    }

    private Reply answer(Received r) {
        if (instead != null) {
            return instead;
        }
        if (!authenticated(r.header("Authorization"))) {
            return Reply.status(401).withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":\"invalid_client\"}");
        }
        if (!r.bodyText().startsWith("grant_type=client_credentials")) {
            return Reply.status(400).withBody("{\"error\":\"unsupported_grant_type\"}");
        }
        String token = tokenPrefix + issued.incrementAndGet();
        valid.add(token);
        return Reply.status(200).withHeader("Content-Type", "application/json").withBody("{\"access_token\":\""
                + token + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + "}").delayed(delayMs);
    }

    /** HTTP Basic with the id and secret form-encoded inside (RFC 6749 section 2.3.1). */
    private boolean authenticated(String authorization) {
        if (authorization == null || !authorization.startsWith("Basic ")) {
            return false;
        }
        String pair = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        return colon > 0 && URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8).equals(clientId)
                && URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8).equals(clientSecret);
    }

    @Override
    public void close() {
        http.close();
    }
}
