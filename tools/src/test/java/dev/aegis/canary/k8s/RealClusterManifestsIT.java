package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * deploy/, analysis-templates/ and deploy/examples/ applied to a real Kubernetes control plane as a user applies them
 * (the built kubectl, server-side apply): the CRDs become Established, every object of deploy/ exists, the
 * controller's Deployment gets pods from the real ReplicaSet controller (admitted by PodSecurity "restricted", which
 * deploy/namespace.yaml enforces), and the shipped templates and examples are accepted. The Helm chart installs,
 * upgrades and uninstalls with the Helm built from its module.
 */
class RealClusterManifestsIT {

    static ControlPlane plane;

    @BeforeAll
    static void start() {
        plane = ControlPlane.shared();
    }

    @Test
    void deployAppliesAndTheControllerDeploymentGetsReadyPods() {
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-k", "deploy/");
        assertThat(applied.exitCode()).as(applied.output()).isZero();

        Manifests.awaitEstablished(plane);
        List<HasMetadata> expected = Manifests.kustomize(plane, "deploy/");
        assertThat(expected).hasSizeGreaterThanOrEqualTo(13);
        try (KubernetesClient client = plane.client()) {
            for (HasMetadata object : expected) {
                var kind = client.genericKubernetesResources(object.getApiVersion(), object.getKind());
                String namespace = object.getMetadata().getNamespace();
                GenericKubernetesResource found = (namespace == null ? kind : kind.inNamespace(namespace))
                        .withName(object.getMetadata().getName()).get();
                assertThat(found).as("%s %s/%s", object.getKind(), object.getMetadata().getNamespace(),
                        object.getMetadata().getName()).isNotNull();
            }
            Awaitility.await("the controller's Deployment has its 2 pods ready").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                        Deployment d = client.apps().deployments().inNamespace("aegis-system")
                                .withName("aegis-canary").get();
                        assertThat(d.getStatus().getReadyReplicas()).as(
                                "ready replicas; ReplicaSet events: %s", events(client, "aegis-system"))
                                .isEqualTo(2);
                    });
        }
    }

    @Test
    void everyAnalysisTemplateIsAccepted() {
        Manifests.installCrds(plane);
        String namespace = plane.newNamespace("templates");
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-n", namespace, "-k",
                "analysis-templates/");
        assertThat(applied.exitCode()).as(applied.output()).isZero();

        List<String> shipped = Manifests.kustomize(plane, "analysis-templates/").stream()
                .map(o -> o.getKind() + "/" + o.getMetadata().getName()).sorted().toList();
        assertThat(shipped).isNotEmpty().allMatch(s -> s.startsWith("AnalysisTemplate/"));
        try (KubernetesClient client = plane.client()) {
            List<String> stored = client.genericKubernetesResources("canary.aegis.dev/v1alpha1", "AnalysisTemplate")
                    .inNamespace(namespace).list().getItems().stream()
                    .map(o -> o.getKind() + "/" + o.getMetadata().getName()).sorted().toList();
            assertThat(stored).containsExactlyElementsOf(shipped);
        }
    }

    @Test
    void theExamplesAreAccepted() {
        Manifests.installCrds(plane);
        try (KubernetesClient client = plane.client()) {
            // the examples name their namespace
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("podinfo").endMetadata()
                    .build()).serverSideApply();
        }
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-f", "deploy/examples/");
        assertThat(applied.exitCode()).as(applied.output()).isZero();
        assertThat(applied.output()).contains("canary.canary.aegis.dev/podinfo serverside-applied",
                "notificationprovider.canary.aegis.dev/slack-ops serverside-applied",
                "secret/slack-ops serverside-applied");
        try (KubernetesClient client = plane.client()) {
            assertThat(client.genericKubernetesResources("canary.aegis.dev/v1alpha1", "Canary").inNamespace("podinfo")
                    .withName("podinfo").get().getAdditionalProperties().get("spec")).isNotNull();
        }
    }

    @Test
    void theMonitoringAppliesWhereThePrometheusOperatorsCrdsAre() {
        String crds = plane.prometheusOperatorCrds().toString();
        Kubectl.Result installed = Kubectl.run(plane, "apply", "--server-side", "-f", crds);
        assertThat(installed.exitCode()).as(installed.output()).isZero();
        Kubectl.Result established = Kubectl.run(plane, "wait", "--for=condition=Established", "--timeout=30s",
                "crd/prometheusrules.monitoring.coreos.com", "crd/servicemonitors.monitoring.coreos.com");
        assertThat(established.exitCode()).as(established.output()).isZero();
        try (KubernetesClient client = plane.client()) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("aegis-system")
                    .endMetadata().build()).serverSideApply();
        }
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-k", "deploy/monitoring/");
        assertThat(applied.exitCode()).as(applied.output()).isZero();
        assertThat(applied.output()).contains("servicemonitor.monitoring.coreos.com/aegis-canary serverside-applied",
                "prometheusrule.monitoring.coreos.com/aegis-canary serverside-applied");
        try (KubernetesClient client = plane.client()) {
            GenericKubernetesResource rule = client.genericKubernetesResources("monitoring.coreos.com/v1",
                    "PrometheusRule").inNamespace("aegis-system").withName("aegis-canary").get();
            assertThat(Serialization.asJson(rule.getAdditionalProperties().get("spec"))).as("stored whole")
                    .contains("AegisCanaryRolledBack", "AegisCanaryNoLeader");
        }
    }

    @Test
    void theHelmChartInstallsUpgradesAndUninstalls() {
        // Another release name than deploy/'s objects (aegis-canary), which another test may have applied: Helm
        // never adopts objects it did not create. The CRDs are applied by kubectl as from deploy/, as every test here
        // does: Helm 4 applies its crds/ server-side, which would take their fields from kubectl's field manager (and
        // the next kubectl apply would conflict with Helm's), so they are skipped (HelmChartTest: they are the same).
        Manifests.installCrds(plane);
        Kubectl.Result installed = Helm.run(plane, "install", "edge", Helm.CHART, "--namespace", "aegis-helm",
                "--create-namespace", "--skip-crds", "--wait", "--timeout", "90s");
        assertThat(installed.exitCode()).as(installed.output()).isZero();
        assertThat(installed.output()).contains("STATUS: deployed", "edge-aegis-canary");
        try (KubernetesClient client = plane.client()) {
            Deployment deployment = client.apps().deployments().inNamespace("aegis-helm").withName("edge-aegis-canary")
                    .get();
            assertThat(deployment.getStatus().getReadyReplicas()).as("helm --wait waited for the pods").isEqualTo(2);
            assertThat(client.configMaps().inNamespace("aegis-helm").withName("edge-aegis-canary").get().getData())
                    .containsEntry("AEGIS_LEADER_ELECTION_LEASE_NAME", "edge-aegis-canary");
            String firstPods = podTemplateHash(client);

            Kubectl.Result upgraded = Helm.run(plane, "upgrade", "edge", Helm.CHART, "--namespace", "aegis-helm",
                    "--reuse-values", "--set", "analysis.noDataLimit=5", "--wait", "--timeout", "90s");
            assertThat(upgraded.exitCode()).as(upgraded.output()).isZero();
            assertThat(client.configMaps().inNamespace("aegis-helm").withName("edge-aegis-canary").get().getData())
                    .containsEntry("AEGIS_ANALYSIS_NO_DATA_LIMIT", "5");
            assertThat(podTemplateHash(client)).as("a changed configuration rolls the controller's pods")
                    .isNotEqualTo(firstPods);

            Kubectl.Result uninstalled = Helm.run(plane, "uninstall", "edge", "--namespace", "aegis-helm", "--wait");
            assertThat(uninstalled.exitCode()).as(uninstalled.output()).isZero();
            assertThat(client.apps().deployments().inNamespace("aegis-helm").withName("edge-aegis-canary").get())
                    .isNull();
            assertThat(client.rbac().clusterRoles().withName("edge-aegis-canary").get()).isNull();
            assertThat(client.apiextensions().v1().customResourceDefinitions().withName("canaries.canary.aegis.dev")
                    .get()).as("Helm never deletes the CRDs of crds/ (and with them every Canary)").isNotNull();
        }
    }

    static String podTemplateHash(KubernetesClient client) {
        return client.apps().replicaSets().inNamespace("aegis-helm").list().getItems().stream()
                .filter(rs -> rs.getStatus().getReadyReplicas() != null && rs.getStatus().getReadyReplicas() > 0)
                .map(rs -> rs.getMetadata().getLabels().get("pod-template-hash")).sorted().toList().toString();
    }

    static String events(KubernetesClient client, String namespace) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .map(e -> e.getInvolvedObject().getKind() + " " + e.getReason() + ": " + e.getMessage()).toList()
                .toString();
    }
}
