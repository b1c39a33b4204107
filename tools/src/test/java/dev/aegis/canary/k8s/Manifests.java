package dev.aegis.canary.k8s;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The project's manifests as kubectl builds and applies them. */
public final class Manifests {

    private Manifests() {
    }

    /** What `kubectl kustomize dir` renders, as objects. */
    public static List<HasMetadata> kustomize(ControlPlane plane, String dir) {
        Kubectl.Result built = Kubectl.run(plane, "kustomize", dir);
        if (built.exitCode() != 0) {
            throw new IllegalStateException("kubectl kustomize " + dir + " failed:\n" + built.output());
        }
        try (KubernetesClient client = plane.client()) {
            return client.load(new ByteArrayInputStream(built.output().getBytes(StandardCharsets.UTF_8))).items();
        }
    }

    /** Applies deploy/crds (server-side, idempotent) and waits until every CRD is Established. */
    public static void installCrds(ControlPlane plane) {
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-f", "deploy/crds/");
        if (applied.exitCode() != 0) {
            throw new IllegalStateException("kubectl apply --server-side -f deploy/crds/ failed:\n" + applied.output());
        }
        awaitEstablished(plane);
    }

    /** Applies deploy/ as a user does (`kubectl apply --server-side -k deploy/`), then waits for its CRDs. */
    public static void applyDeploy(ControlPlane plane) {
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-k", "deploy/");
        if (applied.exitCode() != 0) {
            throw new IllegalStateException("kubectl apply --server-side -k deploy/ failed:\n" + applied.output());
        }
        awaitEstablished(plane);
    }

    /**
     * Installs the Gateway API (standard channel, as its release's standard-install does) with kubectl, server-side
     * and idempotent, and waits until its HTTPRoute CRD is Established.
     */
    public static void installGatewayApi(ControlPlane plane) {
        String dir = plane.gatewayApiCrds().toString();
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-f", dir);
        if (applied.exitCode() != 0) {
            throw new IllegalStateException("kubectl apply --server-side -f " + dir + " failed:\n" + applied.output());
        }
        try (KubernetesClient client = plane.client()) {
            Awaitility.await("the HTTPRoute CRD Established").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                                .withName("httproutes.gateway.networking.k8s.io").get();
                        return crd != null && established(crd);
                    });
        }
    }

    /** Waits until every CRD of the canary.aegis.dev group is Established. */
    public static void awaitEstablished(ControlPlane plane) {
        try (KubernetesClient client = plane.client()) {
            Awaitility.await("CRDs of canary.aegis.dev Established").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> client.apiextensions().v1().customResourceDefinitions().list().getItems().stream()
                            .filter(d -> d.getSpec().getGroup().equals("canary.aegis.dev"))
                            .filter(Manifests::established).count() == 4);
        }
    }

    static boolean established(CustomResourceDefinition crd) {
        return crd.getStatus() != null && crd.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
    }
}
