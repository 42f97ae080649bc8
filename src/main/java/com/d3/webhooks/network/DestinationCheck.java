package com.d3.webhooks.network;

import java.net.InetAddress;
import java.util.List;

/**
 * What {@link DestinationPolicy} decided about one URL.
 *
 * @param verdict   whether the worker may connect
 * @param host      the host as written in the URL; null when the URL has none
 * @param addresses what the host resolved to; empty when it did not resolve
 * @param message   one line for the attempt record and the log
 */
public record DestinationCheck(Verdict verdict, String host, List<InetAddress> addresses, String message) {

    public enum Verdict {
        ALLOWED,
        /** A policy decision: the same URL will be refused again until the policy changes. */
        REFUSED,
        /** The name does not resolve now; DNS may answer differently later, so this can be retried. */
        UNRESOLVABLE
    }

    public DestinationCheck {
        addresses = List.copyOf(addresses);
    }

    public boolean allowed() {
        return verdict == Verdict.ALLOWED;
    }
}
