package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.awaitility.Awaitility;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;

/** What the real-cluster tests do with a Canary as a user would: apply YAML, read its status, wait for a phase. */
final class CanaryRuns {

    private CanaryRuns() {
    }

    /** `kubectl apply --server-side` of this YAML, which must succeed. */
    static void apply(ControlPlane plane, String yaml) {
        try {
            Path file = Files.createTempFile(Files.createDirectories(ControlPlane.ROOT.resolve("work")), "apply-",
                    ".yaml");
            Files.writeString(file, yaml);
            Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "-f", file.toString());
            assertThat(applied.exitCode()).as(applied.output()).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** `kubectl apply --server-side --field-manager=kustomize-controller --force-conflicts`: how Flux applies Git. */
    static void applyAsFlux(ControlPlane plane, String yaml) {
        Kubectl.Result applied = Kubectl.run(plane, "apply", "--server-side", "--field-manager="
                + RealRoutedCanaryIT.FLUX, "--force-conflicts", "-f", RealRoutedCanaryIT.file(yaml));
        assertThat(applied.exitCode()).as(applied.output()).isZero();
    }

    /** The shipped AnalysisTemplates in the namespace, as a user applies them. */
    static void applyTemplates(ControlPlane plane, String ns) {
        Kubectl.Result templates = Kubectl.run(plane, "apply", "--server-side", "-n", ns, "-k", "analysis-templates/");
        assertThat(templates.exitCode()).as(templates.output()).isZero();
    }

    static CanaryStatus status(KubernetesClient client, String ns, String name) {
        Canary canary = client.resources(Canary.class).inNamespace(ns).withName(name).get();
        return canary == null ? null : canary.getStatus();
    }

    static Phase phase(KubernetesClient client, String ns, String name) {
        CanaryStatus status = status(client, ns, name);
        return status == null ? null : status.getPhase();
    }

    /**
     * {@code kubectl wait --for=condition=TYPE canary/podinfo}, as a deploy script waits, which must succeed within two
     * minutes.
     */
    static void kubectlWait(ControlPlane plane, String ns, String condition, PackagedController controller) {
        Kubectl.Result waited = Kubectl.run(plane, "wait", "-n", ns, "canary/podinfo", "--for=condition=" + condition,
                "--timeout=120s");
        assertThat(waited.exitCode()).as("kubectl wait --for=condition=%s: %s (controller log %s)", condition,
                waited.output(), controller.log).isZero();
        assertThat(waited.output()).contains("canary.canary.aegis.dev/podinfo condition met");
    }

    /** Waits for the phase; fails at once if the Canary turns Failed or Invalid or the controller dies. */
    static void awaitPhase(KubernetesClient client, String ns, String name, Phase phase,
            PackagedController controller, Duration atMost) {
        Awaitility.await("Canary " + name + " " + phase).atMost(atMost).pollInterval(Duration.ofMillis(250))
                .failFast("the Canary is Failed or Invalid; see " + controller.log,
                        () -> phase(client, ns, name) == Phase.Failed || phase(client, ns, name) == Phase.Invalid)
                .untilAsserted(() -> {
                    assertThat(controller.isAlive()).as("controller alive; see %s", controller.log).isTrue();
                    assertThat(phase(client, ns, name)).as("phase; controller log %s", controller.log)
                            .isEqualTo(phase);
                });
    }
}
