package com.d3.webhooks.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An HTTPS receiver on 127.0.0.1 that requires a client certificate issued under its authority's
 * root (the handshake fails without one), answers 200, and records the subject of the client
 * certificate of every request.
 */
public final class MutualTlsReceiver implements AutoCloseable {

    private final HttpsServer server;
    private final List<String> clientSubjects = new CopyOnWriteArrayList<>();

    public MutualTlsReceiver(TestPki.Authority authority) {
        SSLContext tls = authority.serverContext(authority.server());
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                X509Certificate client = (X509Certificate) ((HttpsExchange) exchange).getSSLSession()
                        .getPeerCertificates()[0];
                clientSubjects.add(client.getSubjectX500Principal().getName());
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
    }

    public String url(String path) {
        return "https://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The subject of the client certificate of each request that reached the handler, in order. */
    public List<String> clientSubjects() {
        return List.copyOf(clientSubjects);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
