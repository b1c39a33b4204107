package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.Phase;

/**
 * The RBAC check can fail: the packaged controller runs as a ServiceAccount bound to deploy/'s ClusterRole with one
 * verb removed (patch on nodes, which the nodes router needs to label the canary's nodes). A DaemonSet Canary then
 * cannot get past first sight, the API server refuses the request, and the audit check the other real-cluster tests
 * pass ({@link Audit#assertNoneRefused}) fails naming it.
 */
class RealRbacIT {

    static final String ACCOUNT = "aegis-canary-no-node-patch";
    static final String USER = "system:serviceaccount:aegis-system:" + ACCOUNT;

    static RealFleet fleet;
    static ControlPlane plane;

    @BeforeAll
    static void start() {
        fleet = RealFleet.shared();
        plane = fleet.plane;
        Manifests.applyDeploy(plane);
    }

    @Test
    void withPatchOnNodesRemovedTheAuditCheckFailsNamingTheRefusedRequest() throws Exception {
        String ns = plane.newNamespace("rbac");
        List<String> nodes = new ArrayList<>();
        try (KubernetesClient client = plane.client()) {
            ClusterRole role = (ClusterRole) Manifests.kustomize(plane, "deploy/").stream()
                    .filter(o -> o instanceof ClusterRole).findFirst().orElseThrow();
            role.getMetadata().setName(ACCOUNT);
            PolicyRule nodeRule = role.getRules().stream().filter(r -> r.getResources().contains("nodes"))
                    .findFirst().orElseThrow();
            assertThat(nodeRule.getVerbs()).contains("patch");
            nodeRule.setVerbs(nodeRule.getVerbs().stream().filter(v -> !v.equals("patch")).toList());
            List<HasMetadata> objects = List.of(role,
                    new ServiceAccountBuilder().withNewMetadata().withName(ACCOUNT).withNamespace("aegis-system")
                            .endMetadata().build(),
                    new ClusterRoleBindingBuilder().withNewMetadata().withName(ACCOUNT).endMetadata()
                            .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                            .withName(ACCOUNT).endRoleRef().addNewSubject().withKind("ServiceAccount")
                            .withName(ACCOUNT).withNamespace("aegis-system").endSubject().build(),
                    new RoleBindingBuilder().withNewMetadata().withName(ACCOUNT).withNamespace("aegis-system")
                            .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
                            .withKind("Role").withName("aegis-canary-leader-election").endRoleRef().addNewSubject()
                            .withKind("ServiceAccount").withName(ACCOUNT).withNamespace("aegis-system").endSubject()
                            .build());
            objects.forEach(o -> client.resource(o).serverSideApply());
            Kubectl.Result templates = Kubectl.run(plane, "apply", "--server-side", "-n", ns, "-k",
                    "analysis-templates/");
            assertThat(templates.exitCode()).as(templates.output()).isZero();
            for (int i = 0; i < 3; i++) {
                String node = ns + "-" + i;
                plane.addNode(node, Map.of("fleet", ns, RealDaemonSetCanaryIT.ZONE, "eu-" + "abc".charAt(i)));
                nodes.add(node);
            }
            client.apps().daemonSets().inNamespace(ns)
                    .resource(RealDaemonSetCanaryIT.daemonSet(ns, "registry.invalid/" + ns + "/river-proxy:2.0.0"))
                    .create();
            Path canary = Files.writeString(ControlPlane.ROOT.resolve("work").resolve(ns + "-canary.yaml"),
                    RealDaemonSetCanaryIT.canary(ns));
            try (PackagedController controller = PackagedController.start(plane, "controller-rbac",
                    "aegis-system", ACCOUNT, fleet.prometheus.url())) {
                Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-f", canary.toString());
                assertThat(applied.exitCode()).as(applied.output()).isZero();
                Awaitility.await("a refused patch of a node in the audit log").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(250)).until(() -> Audit.refused(plane, USER).stream()
                                .anyMatch(r -> r.verb().equals("patch") && r.uri().startsWith("/api/v1/nodes/" + ns)));
                // what a user sees: a Warning naming the refused write
                Awaitility.await("Warning ApplyFailed naming the 403").atMost(Duration.ofSeconds(30))
                        .until(() -> client.v1().events().inNamespace(ns).list().getItems().stream()
                                .anyMatch(
                                        e -> "ApplyFailed".equals(e.getReason()) && e.getMessage().contains("HTTP 403")
                                                && e.getMessage().contains("cannot patch resource \"nodes\"")));
                Canary now = client.resources(Canary.class).inNamespace(ns).withName(RealDaemonSetCanaryIT.NAME)
                        .get();
                assertThat(now.getStatus() == null ? null : now.getStatus().getPhase())
                        .as("phase; controller log %s", controller.log).isNotEqualTo(Phase.Ready);
            }
            assertThatThrownBy(() -> Audit.assertNoneRefused(plane, USER)).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("patch /api/v1/nodes/" + ns).hasMessageContaining("-> 403");
        } finally {
            try (KubernetesClient client = plane.client()) {
                nodes.forEach(n -> client.nodes().withName(n).delete());
            }
        }
    }
}
