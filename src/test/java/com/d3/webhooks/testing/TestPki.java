package com.d3.webhooks.testing;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificate authorities and the certificates they issue, made in memory for a test (EC P-256,
 * valid from an hour ago): the servers' and the clients' of mutual TLS. The JDK has no public
 * API to build certificates; BouncyCastle is a test dependency only.
 */
public final class TestPki {

    public static final String PASSWORD = "changeit";
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestPki() {
    }

    /** A certificate, its key, and the chain a client or server presents: leaf first, without the root. */
    public record Issued(X509Certificate certificate, KeyPair keys, List<X509Certificate> chain) {

        /** The chain as PEM. */
        public String chainPem() {
            StringBuilder pem = new StringBuilder();
            for (X509Certificate c : chain) {
                pem.append(pem("CERTIFICATE", encoded(c)));
            }
            return pem.toString();
        }

        /** The private key as PKCS#8 PEM. */
        public String keyPem() {
            return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        }

        /** The base64 lines of the key's PEM: text that must appear in no output. */
        public List<String> keyLines() {
            return keyPem().lines().filter(l -> !l.startsWith("-----")).toList();
        }

        public String subject() {
            return certificate.getSubjectX500Principal().getName();
        }

        /** Writes the chain and the key to {@code dir}/NAME.crt and NAME.key; returns {crt, key}. */
        public Path[] write(Path dir, String name) {
            try {
                Files.createDirectories(dir);
                Path crt = Files.writeString(dir.resolve(name + ".crt"), chainPem());
                Path key = Files.writeString(dir.resolve(name + ".key"), keyPem());
                return new Path[] {crt, key};
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A root, or an intermediate under one. */
    public static final class Authority {
        private final Issued self;
        private final X509Certificate root;
        /** What a leaf it issues presents after itself: this authority and those above it, without the root. */
        private final List<X509Certificate> intermediates;

        private Authority(Issued self, X509Certificate root, List<X509Certificate> intermediates) {
            this.self = self;
            this.root = root;
            this.intermediates = intermediates;
        }

        public static Authority root(String commonName) {
            KeyPair keys = keys();
            X500Name name = new X500Name("CN=" + commonName);
            X509Certificate cert = sign(ext(builder(name, name, keys, Duration.ofDays(2)),
                    Extension.basicConstraints, true, new BasicConstraints(true)), keys);
            return new Authority(new Issued(cert, keys, List.of(cert)), cert, List.of());
        }

        /** An intermediate authority whose clients present it in their chain. */
        public Authority intermediate(String commonName) {
            KeyPair keys = keys();
            X509Certificate cert = sign(ext(builder(name(), new X500Name("CN=" + commonName), keys, Duration.ofDays(2)),
                    Extension.basicConstraints, true, new BasicConstraints(0)), self.keys());
            List<X509Certificate> below = new ArrayList<>(List.of(cert));
            below.addAll(intermediates);
            return new Authority(new Issued(cert, keys, below), root, List.copyOf(below));
        }

        public X509Certificate certificate() {
            return self.certificate();
        }

        /** A client certificate, valid for {@code validity} from an hour ago. */
        public Issued client(String commonName, Duration validity) {
            KeyPair keys = keys();
            X509Certificate cert = sign(ext(builder(name(), new X500Name("CN=" + commonName), keys, validity),
                    Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)),
                    self.keys());
            return new Issued(cert, keys, chainOf(cert));
        }

        public Issued client(String commonName) {
            return client(commonName, Duration.ofDays(2));
        }

        /** A server certificate for 127.0.0.1. */
        public Issued server() {
            KeyPair keys = keys();
            X509v3CertificateBuilder b = ext(builder(name(), new X500Name("CN=127.0.0.1"), keys, Duration.ofDays(2)),
                    Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
            X509Certificate cert = sign(ext(b, Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth)), self.keys());
            return new Issued(cert, keys, chainOf(cert));
        }

        /** A PKCS#12 trust store holding this authority (its root), for -Djavax.net.ssl.trustStore. */
        public Path trustStore(Path file) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setCertificateEntry("ca", root);
                Files.createDirectories(file.getParent());
                try (OutputStream out = Files.newOutputStream(file)) {
                    ks.store(out, PASSWORD.toCharArray());
                }
                return file;
            } catch (java.io.IOException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** JVM options that make a worker process trust this authority's servers. */
        public List<String> trustOptions(Path file) {
            return List.of("-Djavax.net.ssl.trustStore=" + trustStore(file).toAbsolutePath(),
                    "-Djavax.net.ssl.trustStorePassword=" + PASSWORD, "-Djavax.net.ssl.trustStoreType=PKCS12");
        }

        /**
         * A server's TLS context: presents {@code server}, and trusts client certificates issued
         * under this authority's root.
         */
        public SSLContext serverContext(Issued server) {
            try {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("server", server.keys().getPrivate(), PASSWORD.toCharArray(),
                        server.chain().toArray(X509Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, PASSWORD.toCharArray());
                KeyStore trusted = KeyStore.getInstance("PKCS12");
                trusted.load(null, null);
                trusted.setCertificateEntry("ca", root);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trusted);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
                return ctx;
            } catch (java.io.IOException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private X500Name name() {
            return new X500Name(self.certificate().getSubjectX500Principal().getName());
        }

        private List<X509Certificate> chainOf(X509Certificate leaf) {
            List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
            chain.addAll(intermediates);
            return chain;
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys,
                                                    Duration validity) {
        Instant from = Instant.now().minus(Duration.ofHours(1));
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(from),
                Date.from(from.plus(validity)), subject, keys.getPublic());
    }

    private static X509v3CertificateBuilder ext(X509v3CertificateBuilder b, ASN1ObjectIdentifier oid,
                                                boolean critical, ASN1Encodable value) {
        try {
            return b.addExtension(oid, critical, value);
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign a test certificate: " + e.getMessage(), e);
        }
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
