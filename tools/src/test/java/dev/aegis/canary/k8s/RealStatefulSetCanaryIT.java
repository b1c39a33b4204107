package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * A StatefulSet canaried in place on the real control plane: the real StatefulSet controller replaces each pod (and
 * keeps its volume claim, bound by the real PersistentVolume controller), kwok runs them, Prometheus finds them, and
 * the packaged controller moves only the partition and, for a rollback, deletes the canary's pods. Git's changes
 * arrive as Flux makes them: the whole manifest applied server-side again, which never takes the partition back.
 */
class RealStatefulSetCanaryIT {

    static final int REPLICAS = 10;

    @RegisterExtension
    static final RealController REAL = new RealController("controller-statefulset");

    /** What the sampler saw at one moment: the Canary's phase and weight, and each pod's image (ready ones only). */
    record Sample(Phase phase, Integer weight, Map<Integer, String> readyImages) {
    }

    @Test
    void aHealthyVersionIsPromotedThroughEveryStepAndABadOneRolledBackWithItsPodsBackOnTheOldRevisionAndVolumesKept()
            throws Exception {
        String ns = REAL.plane.newNamespace("sts");
        String image = "registry.invalid/" + ns + "/podinfo:";
        REAL.fleet.traffic.setBehaviour(image + "6.0.2", VersionBehaviour.healthy().withErrorRatio(0.3));
        CanaryRuns.applyTemplates(REAL.plane, ns);
        try (KubernetesClient client = REAL.plane.client()) {
            volumes(client, ns, REPLICAS);
            CanaryRuns.apply(REAL.plane, statefulSet(ns, image + "6.0.0", REPLICAS, true, ""));
            awaitImages(client, ns, image + "6.0.0", REPLICAS);
            Map<String, String> claims = claims(client, ns);
            assertThat(claims).hasSize(REPLICAS);

            List<Sample> samples = new CopyOnWriteArrayList<>();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleWithFixedDelay(() -> samples.add(sample(client, ns)), 0, 100, TimeUnit.MILLISECONDS);
            try {
                CanaryRuns.apply(REAL.plane, canary(ns, "8s"));
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, REAL.controller, Duration.ofSeconds(120));
                assertThat(client.apps().statefulSets().inNamespace(ns).withName("podinfo").get())
                        .as("held: partition = replicas")
                        .satisfies(s -> assertThat(s.getSpec().getUpdateStrategy().getRollingUpdate().getPartition())
                                .isEqualTo(REPLICAS));

                // Git changes the image; Flux applies the whole manifest again
                CanaryRuns.apply(REAL.plane, statefulSet(ns, image + "6.0.1", REPLICAS, true, ""));
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Succeeded, REAL.controller, Duration.ofSeconds(180));
                CanaryStatus promoted = CanaryRuns.status(client, ns, "podinfo");
                assertThat(promoted.getFailedChecks()).isZero();
                assertThat(samples).extracting(Sample::weight).containsSubsequence(1, 10, 50, 100);
                // at 1% and 10% one pod, the highest ordinal, ran the canary; at 50% the five highest
                assertThat(samples).filteredOn(s -> s.phase() == Phase.Progressing && Integer.valueOf(10)
                        .equals(s.weight())).isNotEmpty().allSatisfy(s -> assertThat(ordinalsOn(s, image + "6.0.1"))
                                .isSubsetOf(9));
                assertThat(samples).anySatisfy(s -> assertThat(ordinalsOn(s, image + "6.0.1"))
                        .containsExactly(5, 6, 7, 8, 9));
                awaitImages(client, ns, image + "6.0.1", REPLICAS);
                StatefulSet held = client.apps().statefulSets().inNamespace(ns).withName("podinfo").get();
                assertThat(held.getSpec().getUpdateStrategy().getRollingUpdate().getPartition())
                        .as("held again after the promotion").isEqualTo(REPLICAS);
                assertThat(held.getStatus().getCurrentRevision()).isEqualTo(held.getStatus().getUpdateRevision());

                samples.clear();
                CanaryRuns.apply(REAL.plane, statefulSet(ns, image + "6.0.2", REPLICAS, true, ""));
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.RolledBack, REAL.controller,
                        Duration.ofSeconds(120));
                CanaryStatus rolledBack = CanaryRuns.status(client, ns, "podinfo");
                assertThat(rolledBack.getMessage()).contains("success-rate").contains("step 1/4");
                assertThat(samples).extracting(Sample::weight).doesNotContain(10, 50, 100);
                // the check measured the canary's pod by the name the StatefulSet gives it
                assertThat(rolledBack.getLastAnalysis().get(0).getQuery()).contains("namespace=\"" + ns + "\"")
                        .contains("pod=~\"^(podinfo-9)$\"");
                assertThat(samples).anySatisfy(s -> assertThat(s.readyImages()).containsEntry(9, image + "6.0.2"));
                awaitImages(client, ns, image + "6.0.1", REPLICAS);
                assertThat(client.v1().events().inNamespace(ns).list().getItems())
                        .filteredOn(e -> "PodReplaced".equals(e.getReason())).extracting(e -> e.getMessage())
                        .anySatisfy(m -> assertThat(m).startsWith("deleted pod podinfo-9:").endsWith(
                                "; its volumes stay"));
            } finally {
                sampler.shutdownNow();
            }
            assertThat(claims(client, ns)).as("every claim kept, still bound, still the same pod's")
                    .isEqualTo(claims);
            for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
                assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getPersistentVolumeClaim()
                        .getClaimName()).isEqualTo("data-" + pod.getMetadata().getName()));
            }
            // the StatefulSet controller replaced one pod at a time
            assertThat(samples).isNotEmpty().allSatisfy(s -> assertThat(s.readyImages().size())
                    .as("ready pods at %s", s).isGreaterThanOrEqualTo(REPLICAS - 1));
        }
    }

    @Test
    void aRestartedControllerCarriesOnMidStepAndAddedReplicasKeepTheCanarysShareAndDeletionReleasesThePartition()
            throws Exception {
        String ns = REAL.plane.newNamespace("sts-scale");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(REAL.plane, ns);
        try (KubernetesClient client = REAL.plane.client()) {
            CanaryRuns.apply(REAL.plane, statefulSet(ns, image + "6.0.0", REPLICAS, false, ""));
            awaitImages(client, ns, image + "6.0.0", REPLICAS);
            CanaryRuns.apply(REAL.plane,
                    canary(ns, "3m", "5m").replace("  analysis:", "  steps: [20, 100]\n  analysis:"));
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, REAL.controller, Duration.ofSeconds(120));
            CanaryRuns.apply(REAL.plane, statefulSet(ns, image + "6.0.1", REPLICAS, false, ""));
            awaitSplit(client, ns, image, List.of(8, 9), REPLICAS);

            REAL.controller.close();
            REAL.controller = PackagedController.start(REAL.plane, "controller-statefulset-restarted",
                    REAL.fleet.prometheus.url());
            // Git (or an autoscaler) scales to 15: 20% is now three pods, the highest three
            CanaryRuns.apply(REAL.plane, statefulSet(ns, image + "6.0.1", 15, false, ""));
            awaitSplit(client, ns, image, List.of(12, 13, 14), 15);
            CanaryStatus status = CanaryRuns.status(client, ns, "podinfo");
            assertThat(status.getPhase()).isEqualTo(Phase.Progressing);
            assertThat(status.getWeight()).isEqualTo(20);
            assertThat(status.getTotalReplicas()).isEqualTo(15);

            Kubectl.Result deleted = Kubectl.run(REAL.plane, "delete", "canary", "podinfo", "-n", ns, "--wait=true",
                    "--timeout=90s");
            assertThat(deleted.exitCode()).as(deleted.output()).isZero();
            StatefulSet released = client.apps().statefulSets().inNamespace(ns).withName("podinfo").get();
            assertThat(released.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).isZero();
            assertThat(released.getMetadata().getAnnotations()).doesNotContainKey("canary.aegis.dev/revision");
            assertThat(released.getMetadata().getManagedFields()).extracting(m -> m.getManager())
                    .doesNotContain("aegis-canary");
            awaitImages(client, ns, image + "6.0.1", 15);
        }
    }

    @Test
    void aStatefulSetTheControllerCannotMoveIsRefusedNamingTheFieldAndLeftAlone() throws Exception {
        String ns = REAL.plane.newNamespace("sts-refused");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(REAL.plane, ns);
        try (KubernetesClient client = REAL.plane.client()) {
            CanaryRuns.apply(REAL.plane,
                    statefulSet(ns, image + "6.0.0", 2, false, "  updateStrategy: {type: OnDelete}\n"));
            awaitImages(client, ns, image + "6.0.0", 2);
            CanaryRuns.apply(REAL.plane, canary(ns, "8s"));
            awaitMessage(client, ns, "invalid: spec.updateStrategy.type of StatefulSet 'podinfo' is OnDelete; a "
                    + "canary needs RollingUpdate (the controller moves pods with its partition)");

            CanaryRuns.apply(REAL.plane, statefulSet(ns, image + "6.0.0", 2, false,
                    "  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate: {partition: 0}\n"));
            awaitMessage(client, ns, "invalid: spec.updateStrategy.rollingUpdate.partition of StatefulSet 'podinfo' is "
                    + "set by kubectl (Git); the controller owns it while a Canary targets the StatefulSet: remove it "
                    + "from Git");
            StatefulSet untouched = client.apps().statefulSets().inNamespace(ns).withName("podinfo").get();
            assertThat(untouched.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).isZero();
            assertThat(untouched.getMetadata().getManagedFields()).extracting(m -> m.getManager())
                    .doesNotContain("aegis-canary");
            assertThat(client.v1().events().inNamespace(ns).list().getItems())
                    .filteredOn(e -> "InvalidSpec".equals(e.getReason())).extracting(e -> e.getMessage())
                    .anySatisfy(m -> assertThat(m).contains("spec.updateStrategy.type"))
                    .anySatisfy(m -> assertThat(m).contains("spec.updateStrategy.rollingUpdate.partition"));
        }
    }

    private static void awaitMessage(KubernetesClient client, String ns, String message) {
        Awaitility.await("Canary Invalid: " + message).atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> {
                    CanaryStatus status = CanaryRuns.status(client, ns, "podinfo");
                    assertThat(status).isNotNull();
                    assertThat(status.getPhase()).isEqualTo(Phase.Invalid);
                    assertThat(status.getMessage()).isEqualTo(message);
                });
    }

    /** The step is in effect: these ordinals ready on 6.0.1, every other one ready on 6.0.0. */
    private static void awaitSplit(KubernetesClient client, String ns, String image, List<Integer> canary,
            int replicas) {
        Awaitility.await("pods " + canary + " on 6.0.1, the others on 6.0.0").atMost(Duration.ofSeconds(120))
                .untilAsserted(() -> {
                    Sample s = sample(client, ns);
                    assertThat(s.readyImages()).as(RealDeploymentCanaryIT.pods(client, ns)).hasSize(replicas);
                    assertThat(ordinalsOn(s, image + "6.0.1")).isEqualTo(canary);
                });
    }

    private static void awaitImages(KubernetesClient client, String ns, String image, int replicas) {
        Awaitility.await(replicas + " pods ready on " + image).atMost(Duration.ofSeconds(120))
                .untilAsserted(() -> assertThat(sample(client, ns).readyImages().values())
                        .as(RealDeploymentCanaryIT.pods(client, ns)).hasSize(replicas).containsOnly(image));
    }

    private static List<Integer> ordinalsOn(Sample s, String image) {
        return s.readyImages().entrySet().stream().filter(e -> e.getValue().equals(image)).map(Map.Entry::getKey)
                .sorted().toList();
    }

    static Sample sample(KubernetesClient client, String ns) {
        CanaryStatus status = CanaryRuns.status(client, ns, "podinfo");
        Map<Integer, String> ready = new TreeMap<>();
        for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
            if (pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))) {
                String name = pod.getMetadata().getName();
                ready.put(Integer.parseInt(name.substring(name.lastIndexOf('-') + 1)),
                        pod.getSpec().getContainers().get(0).getImage());
            }
        }
        return new Sample(status == null ? null : status.getPhase(), status == null ? null : status.getWeight(),
                ready);
    }

    /** Claim name → "uid phase" for every claim of the namespace. */
    private static Map<String, String> claims(KubernetesClient client, String ns) {
        return client.persistentVolumeClaims().inNamespace(ns).list().getItems().stream().collect(Collectors.toMap(
                c -> c.getMetadata().getName(), (PersistentVolumeClaim c) -> c.getMetadata().getUid() + " "
                        + c.getStatus().getPhase(),
                (a, b) -> a, TreeMap::new));
    }

    /** A StorageClass of the namespace's name with no provisioner, and that many volumes for it to bind. */
    private static void volumes(KubernetesClient client, String ns, int count) {
        client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName(ns)
                .endMetadata().withProvisioner("kubernetes.io/no-provisioner").withVolumeBindingMode("Immediate")
                .build()).create();
        for (int i = 0; i < count; i++) {
            client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata()
                    .withName(ns + "-" + i).endMetadata().withNewSpec().withStorageClassName(ns)
                    .withAccessModes("ReadWriteOnce").withCapacity(Map.of("storage", new Quantity("1Gi")))
                    .withNewHostPath().withPath("/tmp/" + ns + "/" + i).endHostPath().endSpec().build()).create();
        }
    }

    /** The StatefulSet as Git holds it; {@code extra} is more of its spec, indented two spaces. */
    static String statefulSet(String ns, String image, int replicas, boolean volumes, String extra) {
        String claims = !volumes
                ? ""
                : """
                                  volumeMounts: [{name: data, mountPath: /data}]
                          volumeClaimTemplates:
                            - metadata: {name: data}
                              spec:
                                storageClassName: %s
                                accessModes: [ReadWriteOnce]
                                resources: {requests: {storage: 1Gi}}
                        """.formatted(ns);
        return """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: podinfo, namespace: %s}
                spec:
                  replicas: %d
                  serviceName: podinfo
                  selector: {matchLabels: {app: podinfo}}
                %s  template:
                    metadata: {labels: {app: podinfo}}
                    spec:
                      containers:
                        - name: podinfo
                          image: %s
                          ports: [{containerPort: 9898}]
                %s""".formatted(ns, replicas, extra, image, claims);
    }

    static String canary(String ns, String interval) {
        return canary(ns, interval, "2m");
    }

    static String canary(String ns, String interval, String progressDeadline) {
        return """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: Canary
                metadata: {name: podinfo, namespace: %s}
                spec:
                  targetRef: {apiVersion: apps/v1, kind: StatefulSet, name: podinfo}
                  analysis:
                    interval: %s
                    metrics:
                      - name: success-rate
                        templateRef: {name: request-success-rate}
                        thresholdRange: {min: 99}
                  progressDeadline: %s
                """.formatted(ns, interval, progressDeadline);
    }
}
