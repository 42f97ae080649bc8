package com.d3.webhooks.oauth;

import com.d3.webhooks.network.EndpointUrl;
import com.d3.webhooks.secrets.SecretSealer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * What an endpoint's OAuth2 client-credentials grant (RFC 6749 section 4.4) needs: where to ask
 * for a token, as whom, and for what. The rules are those of webhook_endpoint_oauth2's CHECKs;
 * every problem is said in one line that never shows the client secret. {@link #toString()} leaves
 * the secret out.
 *
 * @param clientSecret the secret as given, or as stored (sealed or plain text)
 * @param scope        space-separated scope tokens; null: none asked for
 * @param audience     the non-standard {@code audience} parameter some servers want; null: none
 */
public record ClientCredentials(String tokenUrl, String clientId, String clientSecret, String scope,
                                String audience) {

    public static final int MAX_CLIENT_ID_LENGTH = 500;
    public static final int MAX_CLIENT_SECRET_LENGTH = 500;
    public static final int MAX_SCOPE_LENGTH = 1000;
    public static final int MAX_AUDIENCE_LENGTH = 1000;

    /** RFC 6749 appendix A: printable ASCII and space. */
    private static final Pattern VSCHAR = Pattern.compile("[ -~]+");
    /** RFC 6749 section 3.3: scope tokens separated by single spaces. */
    private static final Pattern SCOPE = Pattern.compile("[!#-\\[\\]-~]+( [!#-\\[\\]-~]+)*");
    private static final Pattern AUDIENCE = Pattern.compile("[!-~]([ -~]*[!-~])?");

    /**
     * The token URL as a URI, checked like an endpoint's URL.
     *
     * @throws IllegalArgumentException saying what is wrong and what would be valid
     */
    public URI tokenUri() {
        return tokenUri(tokenUrl);
    }

    static URI tokenUri(String tokenUrl) {
        try {
            return EndpointUrl.parse(tokenUrl).uri();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replaceFirst("^endpoint URL", "OAuth2 token URL"));
        }
    }

    /** @throws IllegalArgumentException naming the first field that is not allowed, never the secret */
    public void validate() {
        validateSettings();
        checkClientSecret(clientSecret);
    }

    /** As {@link #validate()}, for everything but the client secret. */
    public void validateSettings() {
        tokenUri();
        checkClientId(clientId);
        checkScope(scope);
        checkAudience(audience);
    }

    static void checkClientId(String clientId) {
        check(clientId, "OAuth2 client id", MAX_CLIENT_ID_LENGTH, VSCHAR, "printable ASCII");
    }

    static void checkClientSecret(String secret) {
        check(secret, "OAuth2 client secret", MAX_CLIENT_SECRET_LENGTH, VSCHAR, "printable ASCII");
        if (SecretSealer.isSealed(secret)) {
            throw new IllegalArgumentException("the OAuth2 client secret starts with '" + SecretSealer.PREFIX
                    + "', which marks sealed values: give the secret itself");
        }
    }

    /** Null: no scope. */
    static void checkScope(String scope) {
        if (scope != null) {
            check(scope, "OAuth2 scope", MAX_SCOPE_LENGTH, SCOPE,
                    "scope tokens of printable ASCII without '\"' or '\\', separated by single spaces");
        }
    }

    /** Null: no audience. */
    static void checkAudience(String audience) {
        if (audience != null) {
            check(audience, "OAuth2 audience", MAX_AUDIENCE_LENGTH, AUDIENCE,
                    "printable ASCII, not beginning or ending with a space");
        }
    }

    /** The same credentials with {@code secret} (opened) as the client secret. */
    public ClientCredentials withSecret(String secret) {
        return new ClientCredentials(tokenUrl, clientId, secret, scope, audience);
    }

    /** The token request's body, application/x-www-form-urlencoded. */
    byte[] form() {
        StringBuilder form = new StringBuilder("grant_type=client_credentials");
        if (scope != null) {
            form.append("&scope=").append(encode(scope));
        }
        if (audience != null) {
            form.append("&audience=").append(encode(audience));
        }
        return form.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** HTTP Basic client authentication: id and secret form-encoded first (RFC 6749 section 2.3.1). */
    String basicAuthorization() {
        String pair = encode(clientId) + ":" + encode(clientSecret);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void check(String value, String what, int max, Pattern pattern, String expected) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (value.length() > max) {
            throw new IllegalArgumentException(what + " is " + value.length() + " characters long: at most " + max);
        }
        if (!pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be " + expected);
        }
    }

    @Override
    public String toString() {
        return "OAuth2 client " + clientId + " at " + EndpointUrl.redact(tokenUrl);
    }
}
