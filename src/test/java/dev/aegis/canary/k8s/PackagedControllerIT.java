package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The packaged controller (target/quarkus-app) as deploy/ runs it: as ServiceAccount aegis-system/aegis-canary, with a
 * token from the TokenRequest API and only the RBAC of deploy/, against the real API server. A Canary on a Deployment
 * whose pods the real Deployment and ReplicaSet controllers make and kwok runs reaches Ready: the target copied to
 * podinfo-primary (its pods ready, made by its own ReplicaSet), the target scaled to zero, and no request of the
 * controller refused (403) in the audit log.
 */
class PackagedControllerIT {

    static final Path APP = Path.of("target", "quarkus-app", "quarkus-run.jar");
    static final String USER = "system:serviceaccount:aegis-system:aegis-canary";

    static ControlPlane plane;

    @BeforeAll
    static void start() {
        plane = ControlPlane.shared();
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-k", "deploy/");
        assertThat(applied.exitCode()).as(applied.output()).isZero();
        Manifests.awaitEstablished(plane);
    }

    @Test
    void aCanaryOnARealDeploymentBecomesReadyWithItsPrimaryServingAndNoRequestRefused() throws Exception {
        String ns = plane.newNamespace("e2e");
        Kubectl.Result templates = Kubectl.run(plane, "apply", "--server-side", "-n", ns, "-k", "analysis-templates/");
        assertThat(templates.exitCode()).as(templates.output()).isZero();
        try (KubernetesClient client = plane.client()) {
            client.apps().deployments().inNamespace(ns).resource(podinfo(ns)).create();
            String token = client.serviceAccounts().inNamespace("aegis-system").withName("aegis-canary")
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec()
                            .build())
                    .getStatus().getToken();
            Process controller = startController(token);
            try {
                Path canary = Files.writeString(ControlPlane.ROOT.resolve("work").resolve(ns + "-canary.yaml"), """
                        apiVersion: canary.aegis.dev/v1alpha1
                        kind: Canary
                        metadata: {name: podinfo, namespace: %s}
                        spec:
                          targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
                          service: {port: 80, targetPort: 9898}
                          steps: [10, 50, 100]
                          analysis:
                            interval: 4s
                            metrics:
                              - name: success-rate
                                templateRef: {name: request-success-rate}
                                thresholdRange: {min: 99}
                          progressDeadline: 1m
                        """.formatted(ns));
                Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-f", canary.toString());
                assertThat(applied.exitCode()).as(applied.output()).isZero();

                Awaitility.await("Canary podinfo Ready").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(250))
                        .failFast("the Canary is Failed or Invalid; see " + log(),
                                () -> Set.of("Failed", "Invalid").contains(String.valueOf(phase(client, ns))))
                        .untilAsserted(() -> {
                            assertThat(controller.isAlive()).as("controller alive; see %s", log()).isTrue();
                            assertThat(phase(client, ns)).as("phase; controller log %s", log()).isEqualTo("Ready");
                        });
                Awaitility.await("podinfo-primary has 2 ready pods").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                            Deployment primary = client.apps().deployments().inNamespace(ns)
                                    .withName("podinfo-primary").get();
                            assertThat(primary).isNotNull();
                            assertThat(primary.getStatus().getReadyReplicas()).isEqualTo(2);
                        });
                Deployment target = client.apps().deployments().inNamespace(ns).withName("podinfo").get();
                assertThat(target.getSpec().getReplicas()).as("the target is scaled to zero").isZero();

                // the primary's pods come from a ReplicaSet the real Deployment controller made for the primary
                Map<String, String> selector = client.apps().deployments().inNamespace(ns).withName("podinfo-primary")
                        .get().getSpec().getSelector().getMatchLabels();
                List<Pod> pods = client.pods().inNamespace(ns).withLabels(selector).list().getItems();
                assertThat(pods).hasSize(2).allSatisfy(pod -> {
                    assertThat(pod.getSpec().getNodeName()).startsWith("kwok-node-");
                    assertThat(pod.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
                        assertThat(owner.getKind()).isEqualTo("ReplicaSet");
                        ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).withName(owner.getName()).get();
                        assertThat(rs.getMetadata().getOwnerReferences()).singleElement()
                                .satisfies(o -> assertThat(o.getName()).isEqualTo("podinfo-primary"));
                    });
                });
            } finally {
                controller.destroy();
                if (!controller.waitFor(30, TimeUnit.SECONDS)) {
                    controller.destroyForcibly();
                }
            }
        }
        List<String> requests = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(plane.auditLog())) {
            JsonNode event = json.readTree(line);
            if (USER.equals(event.path("user").path("username").asText())) {
                String request = event.path("verb").asText() + " " + event.path("requestURI").asText();
                requests.add(request);
                if (event.path("responseStatus").path("code").asInt() == 403) {
                    refused.add(request);
                }
            }
        }
        assertThat(requests).as("requests of %s in the audit log", USER).isNotEmpty();
        assertThat(refused).as("requests of %s refused (403)", USER).isEmpty();
    }

    static Deployment podinfo(String ns) {
        return new DeploymentBuilder().withNewMetadata().withName("podinfo").withNamespace(ns).endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "podinfo").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "podinfo").endMetadata().withNewSpec()
                .addNewContainer().withName("podinfo").withImage("registry.invalid/podinfo:6.0.0").addNewPort()
                .withContainerPort(9898).endPort().endContainer().endSpec().endTemplate().endSpec().build();
    }

    @SuppressWarnings("unchecked")
    static String phase(KubernetesClient client, String ns) {
        GenericKubernetesResource canary = client.genericKubernetesResources("canary.aegis.dev/v1alpha1", "Canary")
                .inNamespace(ns).withName("podinfo").get();
        Object status = canary == null ? null : canary.getAdditionalProperties().get("status");
        return status == null ? null : String.valueOf(((Map<String, Object>) status).get("phase"));
    }

    static Path log() {
        return ControlPlane.ROOT.resolve("logs").resolve("controller.log");
    }

    /** The packaged controller with its ServiceAccount's token, the cluster CA, and only the API server's address. */
    static Process startController(String token) throws IOException {
        if (!Files.exists(APP)) {
            throw new IllegalStateException(APP + " is missing: this test runs after `./mvnw package`");
        }
        Map<String, String> properties = new TreeMap<>(Map.of(
                "kubernetes.master", plane.url(),
                "kubernetes.namespace", "aegis-system",
                "kubernetes.auth.token", token,
                "quarkus.kubernetes-client.token", token,
                "kubernetes.certs.ca.file", plane.caCert().toString(),
                "quarkus.kubernetes-client.ca-cert-file", plane.caCert().toString(),
                "kubernetes.auth.tryKubeConfig", "false",
                "kubernetes.auth.tryServiceAccount", "false",
                "aegis.prometheus.url", "http://127.0.0.1:9",
                "quarkus.http.port", "0"));
        properties.put("quarkus.http.host", "127.0.0.1");
        properties.put("aegis.reconcile.poll-interval", "300ms");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", APP.toString()));
        try {
            Files.createDirectories(log().getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log().toFile());
            builder.environment().put("HOSTNAME", "aegis-canary-e2e");
            Process process = builder.start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
