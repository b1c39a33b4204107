package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import jakarta.inject.Inject;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.analysis.Analysis;
import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.HeaderSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.PrometheusSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.SecretKeyRef;
import dev.aegis.canary.api.AnalysisTemplateSpec.SecretRef;
import dev.aegis.canary.api.AnalysisTemplateSpec.TlsSpec;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.TargetRef;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.WorkloadKind;

/**
 * How the controller reaches a Prometheus that wants credentials, a tenant header or TLS with its own CA: a local
 * server stands in for it and answers only requests that carry what it demands. Secrets are read from the API.
 */
@QuarkusTest
class PrometheusAccessTest {

    static final String ANSWER = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
            + "[{\"metric\":{},\"value\":[1700000000,\"99.5\"]}]}}";
    static final String TOKEN = "s3cret-t0ken";
    static final String TENANT = "team-edge";

    static HttpServer plain;
    static HttpsServer tls;
    static String caPem;

    @Inject
    Analysis analysis;

    @Inject
    KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        plain.createContext("/bearer/api/v1/query", e -> answerIf(e, ("Bearer " + TOKEN).equals(header(e,
                "Authorization"))));
        plain.createContext("/basic/api/v1/query", e -> answerIf(e, ("Basic " + Base64.getEncoder().encodeToString(
                "grafana:pa55word".getBytes(StandardCharsets.UTF_8))).equals(header(e, "Authorization"))));
        plain.createContext("/tenant/api/v1/query", e -> answerIf(e, TENANT.equals(header(e, "X-Scope-OrgID"))));
        plain.start();

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair caKeys = rsa.generateKeyPair();
        KeyPair serverKeys = rsa.generateKeyPair();
        X500Name caName = new X500Name("CN=aegis-test-ca");
        Date from = new Date(System.currentTimeMillis() - 60_000);
        Date until = new Date(System.currentTimeMillis() + 3_600_000);
        JcaX509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, until, caName,
                caKeys.getPublic());
        ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate caCert = new JcaX509CertificateConverter().getCertificate(ca.build(
                new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
        JcaX509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, from, until,
                new X500Name("CN=127.0.0.1"), serverKeys.getPublic());
        server.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(
                GeneralName.iPAddress, "127.0.0.1")));
        X509Certificate serverCert = new JcaX509CertificateConverter().getCertificate(server.build(
                new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", serverKeys.getPrivate(), "pw".toCharArray(), new Certificate[]{serverCert,
                caCert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "pw".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        tls = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tls.setHttpsConfigurator(new HttpsConfigurator(ssl));
        tls.createContext("/api/v1/query", e -> answerIf(e, true));
        tls.start();
        caPem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.UTF_8))
                .encodeToString(caCert.getEncoded()) + "\n-----END CERTIFICATE-----\n";
    }

    @AfterAll
    static void stop() {
        plain.stop(0);
        tls.stop(0);
    }

    static String header(HttpExchange e, String name) {
        return e.getRequestHeaders().getFirst(name);
    }

    static void answerIf(HttpExchange e, boolean allowed) throws IOException {
        byte[] body = (allowed ? ANSWER : "{\"status\":\"error\",\"errorType\":\"unauthorized\",\"error\":\"no\"}")
                .getBytes(StandardCharsets.UTF_8);
        e.sendResponseHeaders(allowed ? 200 : 401, body.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(body);
        }
    }

    /** One metric of a Canary in namespace ns, whose template asks the given Prometheus. */
    MetricResult check(String ns, PrometheusSpec prometheus) {
        AnalysisTemplateSpec template = new AnalysisTemplateSpec();
        template.setQuery("sum(up)");
        template.setPrometheus(prometheus);
        MetricSpec metric = new MetricSpec("success-rate", new TemplateRef("t", null), new ThresholdRange(99.0,
                null));
        Canary canary = new Canary();
        canary.getMetadata().setName("podinfo");
        canary.getMetadata().setNamespace(ns);
        CanarySpec spec = new CanarySpec();
        spec.setTargetRef(new TargetRef(WorkloadKind.Deployment, "podinfo"));
        canary.setSpec(spec);
        return analysis.run(canary, Duration.ofMinutes(1), List.of(new Analysis.ResolvedMetric(metric,
                "AnalysisTemplate t", template)), PodScope.pods("^$", "^$"), Instant.now()).results().get(0);
    }

    static PrometheusSpec at(String address) {
        PrometheusSpec p = new PrometheusSpec();
        p.setAddress(address);
        p.setTimeout("2s");
        return p;
    }

    void secret(String ns, String name, Map<String, String> data) {
        client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withStringData(data).build()).create();
    }

    @Test
    void aBearerTokenOrBasicCredentialsComeFromTheTemplatesSecret() {
        Fixtures fx = new Fixtures(client, "auth");
        secret(fx.ns, "prometheus-token", Map.of("token", TOKEN + "\n"));
        secret(fx.ns, "prometheus-basic", Map.of("username", "grafana", "password", "pa55word"));
        secret(fx.ns, "prometheus-wrong", Map.of("token", "guess"));

        PrometheusSpec bearer = at(base("/bearer"));
        SecretRef token = new SecretRef();
        token.setName("prometheus-token");
        bearer.setSecretRef(token);
        MetricResult ok = check(fx.ns, bearer);
        assertThat(ok.getResult()).isEqualTo(CheckResult.Pass);
        assertThat(ok.getValue()).isEqualTo(99.5);

        PrometheusSpec basic = at(base("/basic"));
        SecretRef user = new SecretRef();
        user.setName("prometheus-basic");
        basic.setSecretRef(user);
        assertThat(check(fx.ns, basic).getResult()).isEqualTo(CheckResult.Pass);

        PrometheusSpec wrong = at(base("/bearer"));
        SecretRef guess = new SecretRef();
        guess.setName("prometheus-wrong");
        wrong.setSecretRef(guess);
        MetricResult refused = check(fx.ns, wrong);
        assertThat(refused.getResult()).isEqualTo(CheckResult.Error);
        assertThat(refused.getReason()).isEqualTo("HTTP 401: unauthorized: no").doesNotContain("guess");

        PrometheusSpec missing = at(base("/bearer"));
        SecretRef absent = new SecretRef();
        absent.setName("nope");
        missing.setSecretRef(absent);
        assertThat(check(fx.ns, missing).getReason())
                .isEqualTo("AnalysisTemplate t spec.prometheus.secretRef: Secret " + fx.ns + "/nope not found");
    }

    @Test
    void extraHeadersComeInlineOrFromASecret() {
        Fixtures fx = new Fixtures(client, "headers");
        secret(fx.ns, "tenant", Map.of("org", TENANT));
        PrometheusSpec inline = at(base("/tenant"));
        inline.setHeaders(List.of(new HeaderSpec("X-Scope-OrgID", TENANT)));
        assertThat(check(fx.ns, inline).getResult()).isEqualTo(CheckResult.Pass);

        PrometheusSpec fromSecret = at(base("/tenant"));
        HeaderSpec header = new HeaderSpec("X-Scope-OrgID", null);
        header.setSecretKeyRef(new SecretKeyRef("tenant", "org"));
        fromSecret.setHeaders(List.of(header));
        assertThat(check(fx.ns, fromSecret).getResult()).isEqualTo(CheckResult.Pass);

        assertThat(check(fx.ns, at(base("/tenant"))).getResult()).as("without the header").isEqualTo(
                CheckResult.Error);
    }

    @Test
    void tlsIsVerifiedAgainstTheTemplatesCaOrNotAtAllWhenAskedTo() {
        Fixtures fx = new Fixtures(client, "tls");
        secret(fx.ns, "prometheus-ca", Map.of("ca.crt", caPem));
        String https = "https://127.0.0.1:" + tls.getAddress().getPort();

        MetricResult untrusted = check(fx.ns, at(https));
        assertThat(untrusted.getResult()).as("a certificate the JVM does not trust").isEqualTo(CheckResult.Error);

        PrometheusSpec withCa = at(https);
        TlsSpec trust = new TlsSpec();
        trust.setCaSecretRef(new SecretKeyRef("prometheus-ca", "ca.crt"));
        withCa.setTls(trust);
        assertThat(check(fx.ns, withCa).getResult()).isEqualTo(CheckResult.Pass);

        PrometheusSpec insecure = at(https);
        TlsSpec skip = new TlsSpec();
        skip.setInsecureSkipVerify(true);
        insecure.setTls(skip);
        assertThat(check(fx.ns, insecure).getResult()).isEqualTo(CheckResult.Pass);
    }

    static String base(String path) {
        return "http://127.0.0.1:" + plain.getAddress().getPort() + path;
    }
}
