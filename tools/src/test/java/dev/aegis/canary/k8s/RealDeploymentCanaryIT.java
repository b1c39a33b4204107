package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * A Deployment canary (replicas router) on the real control plane: the real Deployment and ReplicaSet controllers
 * make every pod (pod-template-hash labels, owner references), kwok runs them, Prometheus finds them through the API
 * server and the packaged controller, with deploy/'s RBAC, judges what they serve. A healthy version is promoted
 * through every step, a bad one rolled back at the first, and at no sampled moment does the workload have fewer ready
 * pods than its size.
 */
class RealDeploymentCanaryIT {

    static final int REPLICAS = 4;

    @RegisterExtension
    static final RealController REAL = new RealController("controller-deployment");

    /** What the sampler saw at one moment: the Canary's phase and weight, ready pods by image. */
    record Sample(Phase phase, Integer weight, Map<String, Long> readyByImage) {

        long ready() {
            return readyByImage.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    @Test
    void aHealthyVersionIsPromotedAndABadOneRolledBackAtTheFirstStepNeverWithFewerReadyPods() throws Exception {
        String ns = REAL.plane.newNamespace("deploy");
        String image = "registry.invalid/" + ns + "/podinfo:";
        REAL.fleet.traffic.setBehaviour(image + "6.0.2", VersionBehaviour.healthy().withErrorRatio(0.3));
        CanaryRuns.applyTemplates(REAL.plane, ns);
        try (KubernetesClient client = REAL.plane.client()) {
            client.apps().deployments().inNamespace(ns).resource(podinfo(ns, image + "6.0.0")).create();
            Awaitility.await("podinfo's 4 pods ready").atMost(Duration.ofSeconds(60))
                    .until(() -> sample(client, ns).ready() == REPLICAS);
            List<Sample> samples = new CopyOnWriteArrayList<>();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleWithFixedDelay(() -> samples.add(sample(client, ns)), 0, 100, TimeUnit.MILLISECONDS);
            try {
                CanaryRuns.apply(REAL.plane, canary(ns));
                kubectlWait(ns, "Ready");
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, REAL.controller, Duration.ofSeconds(120));

                setImage(ns, image + "6.0.1");
                // as a deploy script or Flux waits: the run has begun (kstatus: in progress), then it is Ready again
                kubectlWait(ns, "Reconciling");
                kubectlWait(ns, "Ready");
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Succeeded, REAL.controller, Duration.ofSeconds(120));
                CanaryStatus promoted = CanaryRuns.status(client, ns, "podinfo");
                // each step's first look may come before Prometheus has discovered and scraped the new pods: a "not
                // yet" looked at again after a scrape, never a Warning
                assertThat(client.v1().events().inNamespace(ns).list().getItems()).extracting(e -> e.getReason())
                        .isNotEmpty().doesNotContain("CheckNoData");
                assertThat(promoted.getFailedChecks()).isZero();
                assertThat(samples).extracting(Sample::weight).containsSubsequence(25, 50, 100);
                Awaitility.await("the primary runs 6.0.1 on 4 ready pods, the target none")
                        .atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(sample(client, ns)
                                .readyByImage()).isEqualTo(Map.of(image + "6.0.1", (long) REPLICAS)));

                samples.clear();
                setImage(ns, image + "6.0.2");
                kubectlWait(ns, "Reconciling");
                kubectlWait(ns, "Stalled"); // kstatus: failed
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.RolledBack, REAL.controller,
                        Duration.ofSeconds(120));
                Kubectl.Result notReady = Kubectl.run(REAL.plane, "wait", "-n", ns, "canary/podinfo",
                        "--for=condition=Ready", "--timeout=1s");
                assertThat(notReady.exitCode()).as("kubectl wait for Ready after a rollback: %s", notReady.output())
                        .isNotZero();
                CanaryStatus rolledBack = CanaryRuns.status(client, ns, "podinfo");
                assertThat(rolledBack.getMessage()).contains("success-rate");
                assertThat(samples).extracting(Sample::weight).contains(25).doesNotContain(50, 100);
                // the check measured the canary's own pods, by the names the real ReplicaSet gave them
                assertThat(samples).anySatisfy(s -> assertThat(s.readyByImage()).containsKey(image + "6.0.2"));
                String hash = client.apps().replicaSets().inNamespace(ns).list().getItems().stream()
                        .filter(rs -> rs.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()
                                .equals(image + "6.0.2"))
                        .map(rs -> rs.getMetadata().getLabels().get("pod-template-hash")).findFirst().orElseThrow();
                assertThat(rolledBack.getLastAnalysis().get(0).getQuery()).contains("namespace=\"" + ns + "\"")
                        .contains("pod=~\"^(podinfo-" + hash + "-)[a-z0-9]{5}$\"");
                Awaitility.await("6.0.2's pods gone, the primary still 6.0.1 on 4 ready pods")
                        .atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(sample(client, ns)
                                .readyByImage()).isEqualTo(Map.of(image + "6.0.1", (long) REPLICAS)));
            } finally {
                sampler.shutdownNow();
            }
            assertThat(samples).isNotEmpty().allSatisfy(s -> assertThat(s.ready())
                    .as("ready pods at %s", s).isGreaterThanOrEqualTo(REPLICAS));
        }
    }

    @Test
    void deletingTheCanaryMidRunLeavesThePrimaryServingAloneAfterTheGarbageCollectorActed() throws Exception {
        String ns = REAL.plane.newNamespace("delete");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(REAL.plane, ns);
        try (KubernetesClient client = REAL.plane.client()) {
            client.apps().deployments().inNamespace(ns).resource(podinfo(ns, image + "6.0.0")).create();
            CanaryRuns.apply(REAL.plane, canary(ns).replace("interval: 8s", "interval: 1m"));
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, REAL.controller, Duration.ofSeconds(120));
            setImage(ns, image + "6.0.1");
            // the replicas router at 25% of 4 pods: one canary pod, the primary the other three
            Awaitility.await("step 1 reached: 1 canary pod and 3 of the primary ready").atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(sample(client, ns).readyByImage()).as(pods(client, ns))
                            .isEqualTo(Map.of(image + "6.0.1", 1L, image + "6.0.0", (long) REPLICAS - 1)));
            Canary canary = client.resources(Canary.class).inNamespace(ns).withName("podinfo").get();
            // A witness the garbage collector deletes once the Canary is gone: after that, what it kept, it keeps.
            client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("gc-witness").addNewOwnerReference().withApiVersion("canary.aegis.dev/v1alpha1")
                    .withKind("Canary").withName("podinfo").withUid(canary.getMetadata().getUid()).endOwnerReference()
                    .endMetadata().build()).create();

            Kubectl.Result deleted = Kubectl.run(REAL.plane, "delete", "canary", "podinfo", "-n", ns, "--wait=true",
                    "--timeout=60s");
            assertThat(deleted.exitCode()).as(deleted.output()).isZero();
            Awaitility.await("the garbage collector deleted the Canary's dependents").atMost(Duration.ofSeconds(60))
                    .until(() -> client.configMaps().inNamespace(ns).withName("gc-witness").get() == null);

            Deployment primary = client.apps().deployments().inNamespace(ns).withName("podinfo-primary").get();
            assertThat(primary).as("podinfo-primary after the garbage collector acted").isNotNull();
            assertThat(primary.getMetadata().getOwnerReferences()).as("released").isNullOrEmpty();
            assertThat(primary.getSpec().getReplicas()).isEqualTo(REPLICAS);
            assertThat(client.apps().deployments().inNamespace(ns).withName("podinfo").get().getSpec().getReplicas())
                    .as("the target").isZero();
            assertThat(client.services().inNamespace(ns).withName("podinfo-canary").get()).isNull();
            for (String service : List.of("podinfo", "podinfo-primary")) {
                assertThat(client.services().inNamespace(ns).withName(service).get()).as(service).isNotNull()
                        .satisfies(s -> assertThat(s.getMetadata().getOwnerReferences()).isNullOrEmpty());
            }
            Awaitility.await("only the primary's 4 pods serve, all of 6.0.0").atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(sample(client, ns).readyByImage())
                            .isEqualTo(Map.of(image + "6.0.0", (long) REPLICAS)));
        }
    }

    /** Where each pod of the namespace runs and whether it is ready: what a failed expectation prints. */
    static String pods(KubernetesClient client, String ns) {
        StringBuilder out = new StringBuilder();
        for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
            out.append('\n').append(pod.getMetadata().getName()).append(" on ").append(pod.getSpec().getNodeName())
                    .append(' ').append(pod.getStatus().getPhase()).append(' ').append(pod.getStatus().getConditions()
                            .stream().map(c -> c.getType() + "=" + c.getStatus()).toList());
        }
        return out.toString();
    }

    static Sample sample(KubernetesClient client, String ns) {
        Canary canary = client.resources(Canary.class).inNamespace(ns).withName("podinfo").get();
        CanaryStatus status = canary == null ? null : canary.getStatus();
        Map<String, Long> ready = new java.util.TreeMap<>();
        for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
            if (pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))) {
                ready.merge(pod.getSpec().getContainers().get(0).getImage(), 1L, Long::sum);
            }
        }
        return new Sample(status == null ? null : status.getPhase(), status == null ? null : status.getWeight(),
                ready);
    }

    static String canary(String ns) {
        return canary(ns, "[25, 50, 100]", "8s", "request-success-rate");
    }

    /** The Canary on podinfo (replicas router); metrics from one template, or none when template is null. */
    static String canary(String ns, String steps, String interval, String template) {
        String metrics = template == null ? "" : """
                    metrics:
                      - name: success-rate
                        templateRef: {name: %s}
                        thresholdRange: {min: 99}
                """.formatted(template);
        return """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: Canary
                metadata: {name: podinfo, namespace: %s}
                spec:
                  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
                  service: {port: 80, targetPort: 9898}
                  steps: %s
                  analysis:
                    interval: %s
                %s  progressDeadline: 1m
                """.formatted(ns, steps, interval, metrics);
    }

    static Deployment podinfo(String ns, String image) {
        return new DeploymentBuilder().withNewMetadata().withName("podinfo").withNamespace(ns).endMetadata()
                .withNewSpec().withReplicas(REPLICAS).withNewSelector().addToMatchLabels("app", "podinfo")
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "podinfo").endMetadata()
                .withNewSpec().addNewContainer().withName("podinfo").withImage(image).addNewPort()
                .withContainerPort(9898).endPort().endContainer().endSpec().endTemplate().endSpec().build();
    }

    /** As a Git change would: the image only, no resourceVersion (kubectl set image). */
    static void kubectlWait(String ns, String condition) {
        CanaryRuns.kubectlWait(REAL.plane, ns, condition, REAL.controller);
    }

    static void setImage(String ns, String image) {
        setImage(REAL.plane, ns, image);
    }

    static void setImage(ControlPlane plane, String ns, String image) {
        Kubectl.Result set = Kubectl.run(plane, "set", "image", "-n", ns, "deployment/podinfo", "podinfo=" + image);
        assertThat(set.exitCode()).as(set.output()).isZero();
    }
}
