package com.d3.webhooks.signing;

import static com.d3.webhooks.signing.VerificationResult.Failure.BAD_SIGNATURE;
import static com.d3.webhooks.signing.VerificationResult.Failure.MALFORMED_HEADER;
import static com.d3.webhooks.signing.VerificationResult.Failure.MISSING_HEADER;
import static com.d3.webhooks.signing.VerificationResult.Failure.TIMESTAMP_OUT_OF_TOLERANCE;
import static com.d3.webhooks.signing.VerificationResult.rejected;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Checks the signatures of a received webhook (the receiver's side: the CLI {@code verify}
 * command and the demo receiver).
 * <p>
 * A request is valid when the Standard Webhooks signature ({@code webhook-signature}, which signs
 * the timestamp) is present and every scheme present verifies: a sender that signs both ways but
 * has one of them wrong is broken, and saying so beats silently trusting the other.
 * {@link #requiring} additionally demands given schemes; {@link #acceptingBodyOnlySignature}
 * accepts {@code X-D3-Signature} alone, giving up protection against replay.
 * Within a scheme, any configured secret may match (rotation), and in {@code webhook-signature}
 * any of the space-separated {@code v1} entries may match. Given Ed25519 public keys
 * ({@code whpk_...}), any {@code v1a} entry that verifies under any of them matches too; without
 * them {@code v1a} entries are ignored, and without secrets {@code v1} entries and
 * {@code X-D3-Signature} are (a receiver holding only the public key cannot check an HMAC).
 * <p>
 * {@code X-D3-Signature} covers the body only; its {@code X-D3-Timestamp}, when present, is
 * checked against the tolerance but is not signed (anyone can rewrite it), so only Standard
 * Webhooks protects against replay.
 */
public final class SignatureVerifier {

    /** How far a timestamp may be from the receiver's clock, either way (the Standard Webhooks default). */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    /** Digits only and short enough that the clock arithmetic below cannot overflow. */
    private static final Pattern UNIX_SECONDS = Pattern.compile("[0-9]{1,18}");

    private final List<WebhookSecret> secrets;
    private final List<WebhookPublicKey> publicKeys;
    private final Clock clock;
    private final EnumSet<SignatureScheme> required;

    /**
     * A verifier that requires the timestamped Standard Webhooks signature.
     *
     * @param secrets the endpoint's active secrets, at least one
     */
    public SignatureVerifier(List<WebhookSecret> secrets, Clock clock) {
        this(secrets, List.of(), clock);
    }

    /**
     * A verifier that requires the timestamped Standard Webhooks signature, checking {@code v1}
     * entries with the secrets and {@code v1a} entries with the public keys.
     *
     * @param secrets    the endpoint's active secrets; may be empty when there are public keys
     * @param publicKeys the endpoint's active Ed25519 public keys; may be empty when there are secrets
     */
    public SignatureVerifier(List<WebhookSecret> secrets, List<WebhookPublicKey> publicKeys, Clock clock) {
        this(secrets, publicKeys, clock, EnumSet.of(SignatureScheme.STANDARD_WEBHOOKS));
    }

    private SignatureVerifier(List<WebhookSecret> secrets, List<WebhookPublicKey> publicKeys, Clock clock,
                              EnumSet<SignatureScheme> required) {
        this.secrets = List.copyOf(secrets);
        this.publicKeys = List.copyOf(publicKeys);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.required = required;
        if (this.secrets.isEmpty() && this.publicKeys.isEmpty()) {
            throw new IllegalArgumentException("a signature verifier needs at least one secret or public key");
        }
        if (this.secrets.isEmpty() && required.contains(SignatureScheme.D3_SIGNATURE)) {
            throw new IllegalArgumentException(SignatureHeaders.D3_SIGNATURE + " is an HMAC: checking it needs the "
                    + "secret");
        }
    }

    /** A verifier that also rejects requests lacking any of {@code schemes}. */
    public SignatureVerifier requiring(SignatureScheme... schemes) {
        EnumSet<SignatureScheme> all = EnumSet.copyOf(required);
        all.addAll(Arrays.asList(schemes));
        return new SignatureVerifier(secrets, publicKeys, clock, all);
    }

    /**
     * A verifier that also accepts {@code X-D3-Signature} alone, for senders or proxies that keep
     * only that header. It gives up protection against replay: that signature covers the body
     * only, so a captured request verifies again at any time.
     */
    public SignatureVerifier acceptingBodyOnlySignature() {
        EnumSet<SignatureScheme> all = EnumSet.copyOf(required);
        all.remove(SignatureScheme.STANDARD_WEBHOOKS);
        return new SignatureVerifier(secrets, publicKeys, clock, all);
    }

    /**
     * @param headers header name to value; names are matched case-insensitively whatever the map
     * @param body    the raw body bytes exactly as received, before any JSON parsing
     */
    public VerificationResult verify(Map<String, String> headers, byte[] body) {
        Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(headers);
        Set<SignatureScheme> present = EnumSet.noneOf(SignatureScheme.class);
        for (SignatureScheme scheme : SignatureScheme.values()) {
            if (byName.containsKey(scheme.header()) && canCheck(scheme)) {
                present.add(scheme);
            }
        }
        if (present.isEmpty()) {
            return rejected(MISSING_HEADER, "missing header: neither " + SignatureHeaders.WEBHOOK_SIGNATURE
                    + " nor " + SignatureHeaders.D3_SIGNATURE + " is present");
        }
        for (SignatureScheme scheme : required) {
            if (!present.contains(scheme)) {
                return rejected(MISSING_HEADER, "missing header " + scheme.header()
                        + (scheme == SignatureScheme.STANDARD_WEBHOOKS ? ": " + SignatureHeaders.D3_SIGNATURE
                        + " alone signs no timestamp, so a captured request would verify again at any time" : ""));
            }
        }
        for (SignatureScheme scheme : present) {
            Optional<VerificationResult> failure = switch (scheme) {
                case STANDARD_WEBHOOKS -> checkStandardWebhooks(byName, body);
                case D3_SIGNATURE -> checkD3(byName, body);
            };
            if (failure.isPresent()) {
                return failure.get();
            }
        }
        return VerificationResult.verifiedBy(present);
    }

    private Optional<VerificationResult> checkStandardWebhooks(Map<String, String> headers, byte[] body) {
        String id = headers.get(SignatureHeaders.WEBHOOK_ID);
        String timestamp = headers.get(SignatureHeaders.WEBHOOK_TIMESTAMP);
        if (id == null) {
            return Optional.of(rejected(MISSING_HEADER, "missing header " + SignatureHeaders.WEBHOOK_ID));
        }
        if (timestamp == null) {
            return Optional.of(rejected(MISSING_HEADER, "missing header " + SignatureHeaders.WEBHOOK_TIMESTAMP));
        }
        Optional<VerificationResult> badTime = checkTimestamp(SignatureHeaders.WEBHOOK_TIMESTAMP, timestamp);
        if (badTime.isPresent()) {
            return badTime;
        }
        List<String> entries = Arrays.asList(headers.get(SignatureHeaders.WEBHOOK_SIGNATURE).trim().split(" +"));
        List<String> v1Entries = secrets.isEmpty() ? List.of()
                : entries.stream().filter(entry -> entry.startsWith(Signatures.STANDARD_WEBHOOKS_PREFIX)).toList();
        List<String> v1aEntries = publicKeys.isEmpty() ? List.of()
                : entries.stream().filter(entry -> entry.startsWith(WebhookSigningKey.SIGNATURE_PREFIX)).toList();
        if (v1Entries.isEmpty() && v1aEntries.isEmpty()) {
            return Optional.of(rejected(MALFORMED_HEADER, "malformed header " + SignatureHeaders.WEBHOOK_SIGNATURE
                    + ": no " + String.join(" or ", checkedVersions()) + " entry"));
        }
        if (v1aEntries.stream().anyMatch(entry -> verifiesUnderAnyPublicKey(entry, id, timestamp, body))) {
            return Optional.empty();
        }
        if (v1Entries.isEmpty()) {
            return Optional.of(badSignature(SignatureHeaders.WEBHOOK_SIGNATURE));
        }
        return matchesAnySecret(SignatureHeaders.WEBHOOK_SIGNATURE, v1Entries,
                secret -> Signatures.standardWebhooks(secret, id, timestamp, body));
    }

    /** X-D3-Signature is an HMAC: a verifier holding public keys alone cannot check it. */
    private boolean canCheck(SignatureScheme scheme) {
        return scheme != SignatureScheme.D3_SIGNATURE || !secrets.isEmpty();
    }

    /** "v1,<base64>" and/or "v1a,<base64>": the entries this verifier has keys for. */
    private List<String> checkedVersions() {
        List<String> versions = new ArrayList<>(2);
        if (!secrets.isEmpty()) {
            versions.add(Signatures.STANDARD_WEBHOOKS_PREFIX + "<base64>");
        }
        if (!publicKeys.isEmpty()) {
            versions.add(WebhookSigningKey.SIGNATURE_PREFIX + "<base64>");
        }
        return versions;
    }

    /** A public key's signature is checked, not compared: nothing secret can leak through its timing. */
    private boolean verifiesUnderAnyPublicKey(String entry, String id, String timestamp, byte[] body) {
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(entry.substring(WebhookSigningKey.SIGNATURE_PREFIX.length()));
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
        byte[] signed = Signatures.signedPrefix(id, timestamp);
        return publicKeys.stream().anyMatch(key -> key.verifies(signature, signed, body));
    }

    private Optional<VerificationResult> checkD3(Map<String, String> headers, byte[] body) {
        String signature = headers.get(SignatureHeaders.D3_SIGNATURE);
        if (!signature.startsWith(Signatures.D3_PREFIX)) {
            return Optional.of(rejected(MALFORMED_HEADER, "malformed header " + SignatureHeaders.D3_SIGNATURE
                    + ": expected " + Signatures.D3_PREFIX + "<64 lowercase hex digits>"));
        }
        String timestamp = headers.get(SignatureHeaders.D3_TIMESTAMP);
        if (timestamp != null) {
            Optional<VerificationResult> badTime = checkTimestamp(SignatureHeaders.D3_TIMESTAMP, timestamp);
            if (badTime.isPresent()) {
                return badTime;
            }
        }
        return matchesAnySecret(SignatureHeaders.D3_SIGNATURE, List.of(signature),
                secret -> Signatures.d3(secret, body));
    }

    private Optional<VerificationResult> checkTimestamp(String header, String value) {
        if (!UNIX_SECONDS.matcher(value).matches()) {
            return Optional.of(rejected(MALFORMED_HEADER, "malformed header " + header + ": '" + value
                    + "' is not a unix time in seconds"));
        }
        long skew = clock.instant().getEpochSecond() - Long.parseLong(value);
        long tolerance = TOLERANCE.toSeconds();
        if (Math.abs(skew) <= tolerance) {
            return Optional.empty();
        }
        return Optional.of(rejected(TIMESTAMP_OUT_OF_TOLERANCE, header + " " + value + " is " + Math.abs(skew)
                + " s in the " + (skew > 0 ? "past" : "future") + ", " + (Math.abs(skew) - tolerance)
                + " s beyond the " + tolerance + " s tolerance"));
    }

    /** Constant-time comparison of every given signature against every secret's expected one. */
    private Optional<VerificationResult> matchesAnySecret(String header, List<String> given,
                                                          Function<WebhookSecret, String> expectedFor) {
        for (WebhookSecret secret : secrets) {
            byte[] expected = expectedFor.apply(secret).getBytes(StandardCharsets.UTF_8);
            for (String candidate : given) {
                if (MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.UTF_8))) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(badSignature(header));
    }

    private VerificationResult badSignature(String header) {
        List<String> keys = new ArrayList<>(2);
        if (!secrets.isEmpty()) {
            keys.add(secrets.size() + " configured secret(s)");
        }
        if (!publicKeys.isEmpty() && header.equals(SignatureHeaders.WEBHOOK_SIGNATURE)) {
            keys.add(publicKeys.size() + " configured public key(s)");
        }
        return rejected(BAD_SIGNATURE, "bad signature in " + header + ": it matches this body under none of the "
                + String.join(" and ", keys));
    }
}
