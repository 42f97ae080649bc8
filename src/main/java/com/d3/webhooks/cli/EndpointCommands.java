package com.d3.webhooks.cli;

import com.d3.webhooks.endpoints.Endpoint;
import com.d3.webhooks.endpoints.StaticHeader;
import java.util.Optional;

/** What the endpoint subcommands share. */
final class EndpointCommands {

    private EndpointCommands() {
    }

    static <T> T require(Optional<T> found, long id) {
        return found.orElseThrow(() -> notFound(id));
    }

    /** "5/s" or "none". */
    static String rateLimit(Endpoint e) {
        return e.rateLimitPerSecond() == null ? "none" : e.rateLimitPerSecond() + "/s";
    }

    /** "X-Api-Key, X-Tenant" or "none": names only, never a value. */
    static String headerNames(Endpoint e) {
        return e.headers().isEmpty() ? "none"
                : String.join(", ", e.headers().stream().map(StaticHeader::name).toList());
    }

    /** "hmac", or "ed25519 (public key whpk_...)": the private key never. */
    static String signing(Endpoint e) {
        return e.signing().mode().value() + (e.signing().mode().usesEd25519()
                ? " (public key " + e.signing().publicKey() + ")" : "");
    }

    static CommandFailure notFound(long id) {
        return new CommandFailure("no endpoint " + id + "; 'outbox endpoints list' shows the ids");
    }
}
