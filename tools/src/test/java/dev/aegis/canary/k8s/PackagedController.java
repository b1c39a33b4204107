package dev.aegis.canary.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.Repo;

/**
 * The packaged controller (controller/target/quarkus-app) as deploy/ runs it: a process of its own, authenticated as a
 * ServiceAccount with a token from the TokenRequest API, trusting the cluster CA, knowing only the API server's address
 * (no kubeconfig). Its output goes to target/controlplane/logs/NAME.log.
 */
final class PackagedController implements AutoCloseable {

    static final Path APP = Repo.CONTROLLER_APP;

    final Path log;
    private final Process process;

    private PackagedController(Path log, Process process) {
        this.log = log;
        this.process = process;
    }

    /** deploy/'s ServiceAccount, aegis-system/aegis-canary. */
    static PackagedController start(ControlPlane plane, String name, String prometheusUrl) {
        return start(plane, name, "aegis-system", "aegis-canary", prometheusUrl);
    }

    static PackagedController start(ControlPlane plane, String name, String namespace, String serviceAccount,
            String prometheusUrl) {
        return start(plane, name, namespace, serviceAccount, prometheusUrl, Map.of());
    }

    /** @param settings more -D settings, e.g. the leader election's timings */
    static PackagedController start(ControlPlane plane, String name, String namespace, String serviceAccount,
            String prometheusUrl, Map<String, String> settings) {
        if (!Files.exists(APP)) {
            throw new IllegalStateException(APP + " is missing: this test runs after `./mvnw package`");
        }
        String token;
        try (KubernetesClient client = plane.client()) {
            token = client.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec()
                            .build())
                    .getStatus().getToken();
        }
        Map<String, String> properties = new TreeMap<>(Map.of(
                "kubernetes.master", plane.url(),
                "kubernetes.namespace", namespace,
                "kubernetes.auth.token", token,
                "quarkus.kubernetes-client.token", token,
                "kubernetes.certs.ca.file", plane.caCert().toString(),
                "quarkus.kubernetes-client.ca-cert-file", plane.caCert().toString(),
                "kubernetes.auth.tryKubeConfig", "false",
                "kubernetes.auth.tryServiceAccount", "false",
                "aegis.prometheus.url", prometheusUrl,
                "quarkus.http.port", "0"));
        properties.put("quarkus.http.host", "127.0.0.1");
        properties.put("aegis.reconcile.poll-interval", "300ms");
        properties.putAll(settings);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", APP.toString()));
        Path log = ControlPlane.ROOT.resolve("logs").resolve(name + ".log");
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("HOSTNAME", name);
            Process process = builder.start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            return new PackagedController(log, process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** host:port of its HTTP server (metrics, health), as its log says it listens. */
    String address() {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Listening on: http://([0-9.:]+)")
                    .matcher(Files.readString(log));
            if (!m.find()) {
                throw new IllegalStateException("no 'Listening on' line in " + log + " yet");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its /q/metrics as Prometheus scrapes them. */
    String metrics() {
        try {
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + address() + "/q/metrics"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Ends the process at once (SIGKILL), as a node failure or an OOM kill would: nothing is released. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Its peak resident memory so far, in MiB, as Linux counts it (VmHWM). */
    double peakRssMiB() {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
                    .filter(l -> l.startsWith("VmHWM:")).mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                    .findFirst().orElseThrow() / 1024.0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
