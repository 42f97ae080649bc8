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
import java.util.Arrays;
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
 * any of the space-separated {@code v1} entries may match; other versions such as {@code v1a}
 * are ignored.
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
    private final Clock clock;
    private final EnumSet<SignatureScheme> required;

    /**
     * A verifier that requires the timestamped Standard Webhooks signature.
     *
     * @param secrets the endpoint's active secrets, at least one
     */
    public SignatureVerifier(List<WebhookSecret> secrets, Clock clock) {
        this(secrets, clock, EnumSet.of(SignatureScheme.STANDARD_WEBHOOKS));
    }

    private SignatureVerifier(List<WebhookSecret> secrets, Clock clock, EnumSet<SignatureScheme> required) {
        this.secrets = List.copyOf(secrets);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.required = required;
        if (this.secrets.isEmpty()) {
            throw new IllegalArgumentException("a signature verifier needs at least one secret");
        }
    }

    /** A verifier that also rejects requests lacking any of {@code schemes}. */
    public SignatureVerifier requiring(SignatureScheme... schemes) {
        EnumSet<SignatureScheme> all = EnumSet.copyOf(required);
        all.addAll(Arrays.asList(schemes));
        return new SignatureVerifier(secrets, clock, all);
    }

    /**
     * A verifier that also accepts {@code X-D3-Signature} alone, for senders or proxies that keep
     * only that header. It gives up protection against replay: that signature covers the body
     * only, so a captured request verifies again at any time.
     */
    public SignatureVerifier acceptingBodyOnlySignature() {
        EnumSet<SignatureScheme> all = EnumSet.copyOf(required);
        all.remove(SignatureScheme.STANDARD_WEBHOOKS);
        return new SignatureVerifier(secrets, clock, all);
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
            if (byName.containsKey(scheme.header())) {
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
        List<String> v1Entries = Arrays.stream(headers.get(SignatureHeaders.WEBHOOK_SIGNATURE).trim().split(" +"))
                .filter(entry -> entry.startsWith(Signatures.STANDARD_WEBHOOKS_PREFIX))
                .toList();
        if (v1Entries.isEmpty()) {
            return Optional.of(rejected(MALFORMED_HEADER, "malformed header " + SignatureHeaders.WEBHOOK_SIGNATURE
                    + ": no " + Signatures.STANDARD_WEBHOOKS_PREFIX + "<base64> entry"));
        }
        return matchesAnySecret(SignatureHeaders.WEBHOOK_SIGNATURE, v1Entries,
                secret -> Signatures.standardWebhooks(secret, id, timestamp, body));
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
        return Optional.of(rejected(BAD_SIGNATURE, "bad signature in " + header
                + ": it matches this body under none of the " + secrets.size() + " configured secret(s)"));
    }
}
