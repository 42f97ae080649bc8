package com.d3.webhooks.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a token endpoint's answer (RFC 6749 sections 5.1 and 5.2) into a token, or into a reason
 * that names the status and, from an error response, only a standard error code: token endpoints
 * echo requests in their error bodies, so no text of a body ever reaches a message.
 */
final class TokenResponse {

    /** Without {@code expires_in} a token is taken to live this long. */
    static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
    /** A longer {@code expires_in} is taken as this: a revoked token is replaced after a 401 anyway. */
    static final Duration MAX_LIFETIME = Duration.ofHours(24);
    /** A token is replaced this long before it expires, or halfway through a shorter life. */
    static final Duration REFRESH_MARGIN = Duration.ofSeconds(30);
    /** The longest access token sent in a header. */
    static final int MAX_TOKEN_LENGTH = 16 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** RFC 6750 section 2.1, b64token: what may follow "Bearer ". */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
    /** Error codes of RFC 6749 section 5.2 and RFC 8707; any other is not repeated. */
    private static final Set<String> ERROR_CODES = Set.of("invalid_request", "invalid_client", "invalid_grant",
            "unauthorized_client", "unsupported_grant_type", "invalid_scope", "invalid_target", "access_denied",
            "server_error", "temporarily_unavailable");

    private TokenResponse() {
    }

    /**
     * @param obtainedAt when the request was sent: the token's life is counted from then
     * @throws TokenUnavailable saying what the answer lacked
     */
    static AccessToken read(TokenTransport.Answer answer, String target, Instant obtainedAt)
            throws TokenUnavailable {
        if (answer.failure() != null) {
            throw unavailable(answer.failure());
        }
        int status = answer.status();
        JsonNode body = parse(answer.body());
        if (status < 200 || status >= 300) {
            throw unavailable("the token endpoint " + target + " answered HTTP " + status + errorCode(body)
                    + (status >= 300 && status < 400 ? " (redirects are not followed)" : ""));
        }
        String problem = "the token endpoint " + target + " answered HTTP " + status + " without a usable token: ";
        if (body == null || !body.isObject()) {
            throw unavailable(problem + "the body is not a JSON object");
        }
        JsonNode token = body.get("access_token");
        if (token == null || !token.isTextual() || token.asText().isEmpty()) {
            throw unavailable(problem + "no access_token");
        }
        String value = token.asText();
        if (value.length() > MAX_TOKEN_LENGTH || !B64TOKEN.matcher(value).matches()) {
            throw unavailable(problem + "the access_token is longer than " + MAX_TOKEN_LENGTH
                    + " characters or has characters a Bearer header cannot carry");
        }
        JsonNode type = body.get("token_type");
        if (type != null && !type.asText().toLowerCase(Locale.ROOT).equals("bearer")) {
            throw unavailable(problem + "token_type is not Bearer");
        }
        return new AccessToken(value, refreshAt(obtainedAt, lifetime(body.get("expires_in"))));
    }

    /** From {@code expires_in} (seconds, as a number or numeric text); the default when absent or unreadable. */
    static Duration lifetime(JsonNode expiresIn) {
        boolean readable = expiresIn != null
                && (expiresIn.isNumber() || expiresIn.isTextual() && expiresIn.asText().matches("\\d{1,9}"));
        if (!readable) {
            return DEFAULT_LIFETIME;
        }
        long seconds = Math.max(0, expiresIn.asLong());
        return seconds > MAX_LIFETIME.toSeconds() ? MAX_LIFETIME : Duration.ofSeconds(seconds);
    }

    static Instant refreshAt(Instant obtainedAt, Duration lifetime) {
        Duration margin = REFRESH_MARGIN.compareTo(lifetime.dividedBy(2)) < 0 ? REFRESH_MARGIN : lifetime.dividedBy(2);
        return obtainedAt.plus(lifetime).minus(margin);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isEmpty()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String errorCode(JsonNode body) {
        JsonNode error = body == null ? null : body.get("error");
        return error != null && ERROR_CODES.contains(error.asText()) ? " (" + error.asText() + ")" : "";
    }

    private static TokenUnavailable unavailable(String why) {
        return new TokenUnavailable("no OAuth2 access token: " + why);
    }
}
