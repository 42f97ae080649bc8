package com.d3.webhooks.signing;

import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@link SignatureVerifier} concluded about one request.
 *
 * @param verified the schemes whose signature matched; empty when invalid
 * @param failure  why the request is invalid; null when valid
 * @param message  one line for a log or an HTTP 401 body, naming the header at fault
 */
public record VerificationResult(Set<SignatureScheme> verified, Failure failure, String message) {

    public enum Failure {
        /** A header the checked scheme needs is absent, or no signature header at all. */
        MISSING_HEADER,
        /** A header is present but not in the expected format. */
        MALFORMED_HEADER,
        /** The timestamp is further than the tolerance from the receiver's clock (replay or clock skew). */
        TIMESTAMP_OUT_OF_TOLERANCE,
        /** Well-formed, but no configured secret produces the given signature for this body. */
        BAD_SIGNATURE
    }

    public VerificationResult {
        verified = Set.copyOf(verified);
    }

    static VerificationResult verifiedBy(Set<SignatureScheme> schemes) {
        return new VerificationResult(schemes, null, "valid: " + schemes.stream()
                .map(SignatureScheme::header)
                .collect(Collectors.joining(" and ")) + " verified");
    }

    static VerificationResult rejected(Failure failure, String message) {
        return new VerificationResult(Set.of(), failure, message);
    }

    public boolean isValid() {
        return failure == null;
    }
}
