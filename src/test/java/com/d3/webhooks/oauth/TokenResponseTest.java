package com.d3.webhooks.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What the worker takes from a token endpoint's answer, and when it replaces the token: the rules
 * docs/operators.md states, one by one, without a server (OAuth2DeliveryTest has the real one).
 */
class TokenResponseTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final String TARGET = "auth.example.com:443";

    @Test
    void aTokenIsReplacedThirtySecondsBeforeItExpiresOrHalfwayThroughAShortLife() throws Exception {
        assertEquals(T0.plusSeconds(3570), ok("{\"access_token\":\"a.b-c_d~e+f/g==\",\"token_type\":\"bearer\","
                + "\"expires_in\":3600}").refreshAt());
        assertEquals(T0.plusSeconds(20), ok("{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":40}")
                .refreshAt());
        assertEquals(T0.plusSeconds(300 - 30), ok("{\"access_token\":\"t\"}").refreshAt(), "no expires_in: 5 min");
        assertEquals(T0.plusSeconds(90), ok("{\"access_token\":\"t\",\"expires_in\":\"120\"}").refreshAt(),
                "a number written as text");
        assertEquals(T0.plusSeconds(86400 - 30), ok("{\"access_token\":\"t\",\"expires_in\":315360000}").refreshAt(),
                "at most a day");
    }

    @Test
    void answersWithoutAUsableBearerTokenSayWhatWasMissingAndNothingOfTheBody() {
        assertEquals("no OAuth2 access token: the token endpoint auth.example.com:443 answered HTTP 200 without a "
                + "usable token: no access_token", failure(200, "{\"token\":\"x\"}"));
        assertEquals("no OAuth2 access token: the token endpoint auth.example.com:443 answered HTTP 200 without a "
                + "usable token: token_type is not Bearer",
                failure(200, "{\"access_token\":\"x\",\"token_type\":\"mac\"}"));
        assertEquals("no OAuth2 access token: the token endpoint auth.example.com:443 answered HTTP 200 without a "
                + "usable token: the access_token is longer than 16384 characters or has characters a Bearer header "
                + "cannot carry", failure(200, "{\"access_token\":\"x\\r\\nX-Injected: 1\"}"));
        assertEquals("no OAuth2 access token: the token endpoint auth.example.com:443 answered HTTP 200 without a "
                + "usable token: the body is not a JSON object", failure(200, "<html>secret-echo</html>"));
        assertEquals("no OAuth2 access token: the token endpoint auth.example.com:443 answered HTTP 400 "
                + "(invalid_scope)", failure(400, "{\"error\":\"invalid_scope\",\"error_description\":\"secret-echo\"}"));
        assertEquals("no OAuth2 access token: the token endpoint auth.example.com:443 answered HTTP 400",
                failure(400, "{\"error\":\"secret-echo\"}"), "an error code that is not a standard one");
        assertEquals("no OAuth2 access token: the token endpoint auth.example.com:443 answered HTTP 302 (redirects "
                + "are not followed)", failure(302, ""));
        assertFalse(failure(500, "secret-echo").contains("secret-echo"));
    }

    private static AccessToken ok(String body) throws TokenUnavailable {
        return TokenResponse.read(new TokenTransport.Answer(200, body, null), TARGET, T0);
    }

    private static String failure(int status, String body) {
        return assertThrows(TokenUnavailable.class,
                () -> TokenResponse.read(new TokenTransport.Answer(status, body, null), TARGET, T0)).getMessage();
    }
}
