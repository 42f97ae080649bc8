package com.d3.webhooks.clientcert;

import com.d3.webhooks.text.ControlCharacters;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * An endpoint's client certificate chain and its private key, parsed from PEM and checked: the
 * chain is leaf first, each certificate issued by the next, and the key is the leaf's. Its TLS
 * context presents them whenever a receiver asks for a client certificate and trusts servers
 * exactly as the worker's default client does (the JVM's trust store). The key never leaves this
 * object: not in {@link #toString()}, not in an error message.
 */
public final class ClientCertificate {

    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final String CONVERT = "convert it with 'openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem'";
    private static final String ALIAS = "client";

    private final List<X509Certificate> chain;
    private final PrivateKey key;

    private ClientCertificate(List<X509Certificate> chain, PrivateKey key) {
        this.chain = List.copyOf(chain);
        this.key = key;
    }

    /**
     * @param chainPem the certificates, leaf first, as PEM
     * @param keyPem   the leaf's private key, unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY")
     * @throws IllegalArgumentException saying what is wrong, never quoting the key
     */
    public static ClientCertificate parse(String chainPem, String keyPem) {
        List<X509Certificate> chain = parseChain(chainPem);
        ClientCertificate c = new ClientCertificate(chain, parseKey(keyPem, chain.get(0).getPublicKey()));
        c.requireKeyMatches();
        return c;
    }

    /** The certificates of a PEM chain, leaf first, each issued by the next. */
    static List<X509Certificate> parseChain(String chainPem) {
        if (chainPem == null || !chainPem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException("the client certificate is not PEM (expected -----BEGIN CERTIFICATE-----)");
        }
        List<X509Certificate> chain = new ArrayList<>();
        try {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)));
            read.forEach(c -> chain.add((X509Certificate) c));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("the client certificate chain does not parse: "
                    + ControlCharacters.escape(String.valueOf(e.getMessage()), 200));
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the client certificate chain holds no certificate");
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            try {
                chain.get(i).verify(chain.get(i + 1).getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("certificate " + (i + 2) + " of the client certificate chain did not "
                        + "issue certificate " + (i + 1) + " (" + chain.get(i).getIssuerX500Principal().getName()
                        + "): give the chain leaf first, each certificate followed by its issuer's");
            }
        }
        return chain;
    }

    private static PrivateKey parseKey(String keyPem, PublicKey leaf) {
        String pem = keyPem == null ? "" : keyPem;
        if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new IllegalArgumentException("the client key is encrypted; give it unencrypted (it is stored "
                    + "sealed): " + CONVERT);
        }
        if (pem.contains("-----BEGIN RSA PRIVATE KEY-----") || pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new IllegalArgumentException("the client key is in OpenSSL's traditional form; PKCS#8 is "
                    + "expected: " + CONVERT);
        }
        Matcher m = PRIVATE_KEY.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException("the client key is not a PEM private key (expected -----BEGIN "
                    + "PRIVATE KEY-----, PKCS#8)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            return KeyFactory.getInstance(leaf.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            // The JDK's words are not repeated: they could describe the key's bytes.
            throw new IllegalArgumentException("the client key is not a valid PKCS#8 " + leaf.getAlgorithm()
                    + " private key, the type of the certificate's public key");
        }
    }

    /** Signs a challenge with the key and verifies it with the leaf's public key. */
    private void requireKeyMatches() {
        PublicKey pub = leaf().getPublicKey();
        String algorithm = switch (pub.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> throw new IllegalArgumentException("client certificates with " + pub.getAlgorithm()
                    + " keys are not supported (RSA, EC and Ed25519 are)");
        };
        byte[] challenge = "d3-webhook-outbox client key check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(challenge);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(pub);
            verify.update(challenge);
            matches = verify.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException("the client key does not belong to the certificate ("
                    + leaf().getSubjectX500Principal().getName() + "): its public key is another");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The chain as plain PEM, leaf first, without whatever text surrounded the certificates. */
    String chainPem() {
        StringBuilder pem = new StringBuilder();
        try {
            for (X509Certificate c : chain) {
                pem.append(pem("CERTIFICATE", c.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        return pem.toString();
    }

    /** The key as PKCS#8 PEM: only for sealing it. */
    String keyPem() {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    public CertificateSummary summary() {
        return CertificateSummary.of(leaf());
    }

    /**
     * A TLS context that presents this certificate when the server asks for one, whatever
     * authorities the server names (the receiver judges it, as it would any client's), and trusts
     * servers through the JVM's default trust store, as the worker's other client does.
     */
    public SSLContext sslContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {new OneIdentity()}, null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "client certificate " + leaf().getSubjectX500Principal().getName();
    }

    /** Always offers the one identity, for the key types the handshake allows. */
    private final class OneIdentity extends X509ExtendedKeyManager {

        private String alias(String[] keyTypes) {
            return keyTypes != null && Arrays.asList(keyTypes).contains(key.getAlgorithm()) ? ALIAS : null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return alias(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return alias(keyTypes);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return alias(new String[] {keyType}) == null ? null : new String[] {ALIAS};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.toArray(X509Certificate[]::new) : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
