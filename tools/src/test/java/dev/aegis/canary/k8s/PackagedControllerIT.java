package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Phase;

/**
 * The packaged controller (controller/target/quarkus-app) as deploy/ runs it: as ServiceAccount aegis-system/aegis-canary, with a
 * token from the TokenRequest API and only the RBAC of deploy/, against the real API server. A Canary on a Deployment
 * whose pods the real Deployment and ReplicaSet controllers make and kwok runs reaches Ready: the target copied to
 * podinfo-primary (its pods ready, made by its own ReplicaSet), the target scaled to zero, and no request of the
 * controller refused (403) in the audit log.
 */
class PackagedControllerIT {

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
        CanaryRuns.applyTemplates(plane, ns);
        try (KubernetesClient client = plane.client();
                PackagedController controller = PackagedController.start(plane, "controller", "http://127.0.0.1:9")) {
            client.apps().deployments().inNamespace(ns).resource(podinfo(ns)).create();
            CanaryRuns.apply(plane, RealDeploymentCanaryIT.canary(ns));
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, controller, Duration.ofSeconds(90));
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
        }
        Audit.assertNoneRefused(plane, USER);
    }

    static Deployment podinfo(String ns) {
        return new DeploymentBuilder().withNewMetadata().withName("podinfo").withNamespace(ns).endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "podinfo").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "podinfo").endMetadata().withNewSpec()
                .addNewContainer().withName("podinfo").withImage("registry.invalid/podinfo:6.0.0").addNewPort()
                .withContainerPort(9898).endPort().endContainer().endSpec().endTemplate().endSpec().build();
    }

}
