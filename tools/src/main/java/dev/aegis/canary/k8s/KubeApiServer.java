package dev.aegis.canary.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * kube-apiserver on https://127.0.0.1: client-certificate and service-account-token authentication, Node and RBAC
 * authorization, the default admission plugins, an audit log of every request (Metadata level) to a file. Ready when
 * /readyz answers.
 */
final class KubeApiServer extends ComponentProcess {

    private final Path binary;
    private final Etcd etcd;
    private final Pki pki;
    private final Path work;
    final Path auditLog;
    final int port = freePort();

    KubeApiServer(Path bin, Etcd etcd, Pki pki, Path work, Path logs) {
        super("kube-apiserver", logs);
        this.binary = bin.resolve("kube-apiserver");
        this.etcd = etcd;
        this.pki = pki;
        this.work = work;
        this.auditLog = logs.resolve("audit.log");
        pki.server("apiserver", "kube-apiserver");
        pki.frontProxyClient("front-proxy-client");
    }

    String url() {
        return "https://127.0.0.1:" + port;
    }

    @Override
    Duration readyTimeout() {
        return Duration.ofSeconds(90);
    }

    @Override
    List<String> command() {
        Path policy = work.resolve("audit-policy.yaml");
        try {
            Files.writeString(policy, """
                    apiVersion: audit.k8s.io/v1
                    kind: Policy
                    omitStages: ["RequestReceived"]
                    rules:
                    - level: Metadata
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of(binary.toString(), "--etcd-servers=" + etcd.url(), "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none", "--secure-port=" + port,
                "--tls-cert-file=" + pki.cert("apiserver"), "--tls-private-key-file=" + pki.key("apiserver"),
                "--client-ca-file=" + pki.caCert(), "--authorization-mode=Node,RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + pki.dir.resolve("sa.pub"),
                "--service-account-signing-key-file=" + pki.dir.resolve("sa.key"),
                "--service-cluster-ip-range=10.96.0.0/16", "--audit-policy-file=" + policy,
                // never rotated (its default rotates at 100 MB): the tests read the whole log back
                "--audit-log-path=" + auditLog, "--audit-log-maxsize=1000000",
                "--requestheader-client-ca-file=" + pki.frontProxyCaCert(),
                "--requestheader-allowed-names=front-proxy-client", "--requestheader-username-headers=X-Remote-User",
                "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-",
                "--proxy-client-cert-file=" + pki.cert("front-proxy-client"),
                "--proxy-client-key-file=" + pki.key("front-proxy-client"));
    }

    @Override
    boolean ready() {
        return answers200(url() + "/readyz");
    }
}
