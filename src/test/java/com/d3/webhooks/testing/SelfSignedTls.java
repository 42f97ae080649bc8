package com.d3.webhooks.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate for 127.0.0.1, made with the JDK's keytool once per test JVM (under
 * target/), and an HTTPS receiver that presents it. Nothing trusts it unless told to: the
 * worker's default trust store refuses it; a worker started with
 * {@code -Djavax.net.ssl.trustStore=}{@link #keyStore()} accepts it.
 */
public final class SelfSignedTls {

    public static final String PASSWORD = "changeit";
    private static Path keyStore;

    private SelfSignedTls() {
    }

    /** The PKCS#12 file holding the key and its certificate; also usable as a trust store. */
    public static synchronized Path keyStore() {
        if (keyStore == null) {
            try {
                Path dir = Files.createDirectories(Path.of("target", "tls"));
                Path file = dir.resolve("receiver-" + ProcessHandle.current().pid() + ".p12");
                Files.deleteIfExists(file);
                Process p = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                        "-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1",
                        "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
                        "-storetype", "PKCS12", "-keystore", file.toString(),
                        "-storepass", PASSWORD, "-keypass", PASSWORD))
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("keytool failed: " + out);
                }
                keyStore = file;
            } catch (IOException e) {
                throw new IllegalStateException("cannot make a test certificate: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return keyStore;
    }

    /** JVM options that make a worker process trust the test certificate. */
    public static List<String> trustOptions() {
        return List.of("-Djavax.net.ssl.trustStore=" + keyStore().toAbsolutePath(),
                "-Djavax.net.ssl.trustStorePassword=" + PASSWORD, "-Djavax.net.ssl.trustStoreType=PKCS12");
    }

    public static SSLContext serverContext() {
        try (InputStream in = Files.newInputStream(keyStore())) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD.toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the test certificate: " + e.getMessage(), e);
        }
    }

    /** An HTTPS server on 127.0.0.1 answering 200 to everything; counts requests. */
    public static final class Receiver implements AutoCloseable {
        private final HttpsServer server;
        private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

        public Receiver() {
            try {
                server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.setHttpsConfigurator(new HttpsConfigurator(serverContext()));
            server.createContext("/", exchange -> {
                try (exchange) {
                    exchange.getRequestBody().readAllBytes();
                    requests.incrementAndGet();
                    exchange.sendResponseHeaders(200, -1);
                }
            });
            server.start();
        }

        public String url(String path) {
            return "https://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        public int port() {
            return server.getAddress().getPort();
        }

        public int requests() {
            return requests.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
