package dev.aegis.canary.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificates of one control plane, as PEM files in one directory: a CA for serving and client certificates, a
 * front-proxy CA (so kube-controller-manager and kube-scheduler find a complete authentication config), and the
 * service-account signing key pair.
 */
final class Pki {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    final Path dir;
    private final Authority ca;
    private final Authority frontProxyCa;

    private record Authority(String name, X500Name subject, KeyPair keys) {
    }

    Pki(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            ca = authority("ca", "aegis-canary-test-ca");
            frontProxyCa = authority("front-proxy-ca", "aegis-canary-test-front-proxy-ca");
            KeyPair sa = rsaKeys();
            writePem(dir.resolve("sa.key"), sa.getPrivate());
            writePem(dir.resolve("sa.pub"), sa.getPublic());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the test certificates in " + dir, e);
        }
    }

    Path caCert() {
        return dir.resolve("ca.crt");
    }

    Path frontProxyCaCert() {
        return dir.resolve("front-proxy-ca.crt");
    }

    Path cert(String name) {
        return dir.resolve(name + ".crt");
    }

    Path key(String name) {
        return dir.resolve(name + ".key");
    }

    /** A serving certificate for loopback (and the in-cluster names of the kubernetes Service). */
    void server(String name, String commonName) {
        issue(ca, name, new X500Name("CN=" + commonName), KeyPurposeId.id_kp_serverAuth,
                List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "10.96.0.1"),
                        new GeneralName(GeneralName.dNSName, "kubernetes"),
                        new GeneralName(GeneralName.dNSName, "kubernetes.default"),
                        new GeneralName(GeneralName.dNSName, "kubernetes.default.svc")));
    }

    /** A client certificate: the API server takes CN as the user name and each O as a group. */
    void client(String name, String user, String... groups) {
        StringBuilder subject = new StringBuilder();
        for (String group : groups) {
            subject.append("O=").append(group).append(',');
        }
        subject.append("CN=").append(user);
        issue(ca, name, new X500Name(subject.toString()), KeyPurposeId.id_kp_clientAuth, List.of());
    }

    /** The client certificate kube-apiserver presents to aggregated API servers, under the front-proxy CA. */
    void frontProxyClient(String name) {
        issue(frontProxyCa, name, new X500Name("CN=front-proxy-client"), KeyPurposeId.id_kp_clientAuth, List.of());
    }

    private Authority authority(String name, String commonName) throws GeneralSecurityException, IOException,
            OperatorCreationException {
        KeyPair keys = ecKeys();
        X500Name subject = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(3650))), subject, keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        writePem(dir.resolve(name + ".crt"), sign(builder, keys.getPrivate()));
        writePem(dir.resolve(name + ".key"), keys.getPrivate());
        return new Authority(name, subject, keys);
    }

    private void issue(Authority issuer, String name, X500Name subject, KeyPurposeId purpose,
            List<GeneralName> altNames) {
        try {
            KeyPair keys = rsaKeys();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer.subject(),
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(365))), subject, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, false, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            if (!altNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(altNames.toArray(GeneralName[]::new)));
            }
            writePem(dir.resolve(name + ".crt"), sign(builder, issuer.keys().getPrivate()));
            writePem(dir.resolve(name + ".key"), keys.getPrivate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue the certificate " + name, e);
        }
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        return ec.generateKeyPair();
    }

    /** RSA for every leaf: fabric8's client reads RSA keys, not every EC key encoding. */
    private static KeyPair rsaKeys() throws GeneralSecurityException {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        return rsa.generateKeyPair();
    }

    private static X509CertificateHolder sign(JcaX509v3CertificateBuilder builder, PrivateKey key)
            throws OperatorCreationException {
        return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
    }

    private static void writePem(Path file, Object object) throws IOException {
        try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            // private keys as PKCS#8 ("PRIVATE KEY"): BouncyCastle's SEC1 form of a JCA EC key lacks the curve
            if (object instanceof PrivateKey key) {
                pem.writeObject(new JcaPKCS8Generator(key, null));
            } else {
                pem.writeObject(object);
            }
        }
    }
}
