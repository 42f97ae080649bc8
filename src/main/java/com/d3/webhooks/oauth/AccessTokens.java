package com.d3.webhooks.oauth;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The access tokens of one worker, one per endpoint: fetched with the client-credentials grant,
 * kept until shortly before they expire ({@link TokenResponse#refreshAt}), and fetched once for
 * all the sends to an endpoint that need one at the same moment (the others wait for that
 * request, each within its own attempt's deadline). Credentials that change (a rotated client
 * secret, another scope) get a new token at once. A failed request is not remembered: the next
 * attempt asks again.
 */
public final class AccessTokens {

    /** The most of a token response that is read. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    private static final int MAX_ENDPOINTS = 10_000;

    /** An endpoint's token, for one set of credentials, and the request that fetches it, if one runs. */
    private static final class Entry {
        final ClientCredentials credentials;
        AccessToken token;
        CompletableFuture<AccessToken> fetching;

        Entry(ClientCredentials credentials) {
            this.credentials = credentials;
        }
    }

    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    private final Clock clock;
    private final TokenTransport transport;
    private final String userAgent;

    public AccessTokens(Clock clock, TokenTransport transport, String userAgent) {
        this.clock = clock;
        this.transport = transport;
        this.userAgent = userAgent;
    }

    /**
     * A token for the endpoint: the one held while it is fresh, else a new one (or the one another
     * send is fetching now).
     *
     * @param credentials opened and valid
     * @throws TokenUnavailable why there is none, in one line for the audit row
     */
    public AccessToken token(long endpointId, ClientCredentials credentials, Deadline deadline)
            throws TokenUnavailable {
        if (entries.size() >= MAX_ENDPOINTS) {
            entries.clear();
        }
        Entry entry = entries.compute(endpointId,
                (id, held) -> held != null && held.credentials.equals(credentials) ? held : new Entry(credentials));
        CompletableFuture<AccessToken> fetching;
        boolean fetchHere = false;
        synchronized (entry) {
            if (entry.token != null && clock.instant().isBefore(entry.token.refreshAt())) {
                return entry.token;
            }
            if (entry.fetching == null) {
                entry.fetching = new CompletableFuture<>();
                fetchHere = true;
            }
            fetching = entry.fetching;
        }
        return fetchHere ? fetch(entry, fetching, deadline) : await(fetching, credentials, deadline);
    }

    /**
     * The receiver refused {@code token} (HTTP 401): it is not used again, and the next
     * {@link #token} fetches a new one, unless another send replaced it already.
     */
    public void rejected(long endpointId, AccessToken token) {
        Entry entry = entries.get(endpointId);
        if (entry != null) {
            synchronized (entry) {
                if (entry.token == token) {
                    entry.token = null;
                }
            }
        }
    }

    private AccessToken fetch(Entry entry, CompletableFuture<AccessToken> fetching, Deadline deadline)
            throws TokenUnavailable {
        try {
            AccessToken token = request(entry.credentials, deadline);
            synchronized (entry) {
                entry.token = token;
                entry.fetching = null;
            }
            fetching.complete(token);
            return token;
        } catch (TokenUnavailable | RuntimeException | Error e) {
            synchronized (entry) {
                entry.fetching = null;
            }
            fetching.completeExceptionally(e);
            throw e;
        }
    }

    private AccessToken request(ClientCredentials c, Deadline deadline) throws TokenUnavailable {
        URI url = c.tokenUri();
        Instant sentAt = clock.instant();
        TokenTransport.Answer answer = transport.post(url, Map.of(
                "Content-Type", "application/x-www-form-urlencoded",
                "Accept", "application/json",
                "Authorization", c.basicAuthorization(),
                "User-Agent", userAgent), c.form(), MAX_RESPONSE_BYTES, deadline);
        return TokenResponse.read(answer, target(url), sentAt);
    }

    private static AccessToken await(CompletableFuture<AccessToken> fetching, ClientCredentials c, Deadline deadline)
            throws TokenUnavailable {
        try {
            return fetching.get(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TokenUnavailable why) {
                throw new TokenUnavailable(why.getMessage());
            }
            throw new TokenUnavailable("no OAuth2 access token: the token request failed ("
                    + e.getCause().getClass().getName() + ")");
        } catch (TimeoutException e) {
            throw new TokenUnavailable("no OAuth2 access token within the attempt's time: the token request to "
                    + target(c.tokenUri()) + " that another send made is still waiting for an answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenUnavailable("no OAuth2 access token: the worker stopped while waiting for one");
        }
    }

    private static String target(URI url) {
        int port = url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }
}
