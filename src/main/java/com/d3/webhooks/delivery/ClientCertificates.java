package com.d3.webhooks.delivery;

import com.d3.webhooks.clientcert.ClientCertificateClients;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.secrets.SecretSealer;
import java.net.URI;
import java.util.function.Function;

/**
 * The client certificate of a claimed delivery's endpoint: its key opened (sealed or plain text,
 * as the dashboard may have written it) and the HTTP client that presents it, shared by every
 * endpoint with the same chain and key.
 */
final class ClientCertificates implements AutoCloseable {

    private final OpenedValues<String> keys;
    private final ClientCertificateClients clients;

    ClientCertificates(SecretSealer sealer, HttpSender sender) {
        this.keys = new OpenedValues<>(sealer, Function.identity());
        this.clients = new ClientCertificateClients(sender::clientPresenting, ClientCertificateClients.IDLE_TIMEOUT,
                System::nanoTime);
    }

    /**
     * The client for one attempt to {@code uri}, to be closed when it is over; null when the
     * endpoint has no client certificate, or the URL is plain http, which has no handshake to
     * present one in (the sender's own client goes).
     *
     * @throws IllegalArgumentException saying why the stored certificate or key cannot be used
     */
    ClientCertificateClients.Lease lease(ClaimedDelivery d, URI uri) {
        if (d.credentials().clientCertificate() == null || !"https".equalsIgnoreCase(uri.getScheme())) {
            return null;
        }
        String key = keys.get(SealedPlace.of(d.endpointId(), SecretColumn.CLIENT_KEY), d.credentials().clientKey());
        return clients.lease(d.credentials().clientCertificate(), key);
    }

    /** Clients open now, one per identity. */
    int clients() {
        return clients.size();
    }

    @Override
    public void close() {
        clients.close();
    }
}
