package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * A DaemonSet node by node on the real control plane: 30 kwok nodes in 3 zones, the real DaemonSet controller and
 * scheduler placing pods by the controller's node-affinity term, traffic per pod judged through Prometheus' Kubernetes
 * discovery. Node counts per step, spread over the zones, at most maxUnavailable nodes without a ready pod at any
 * sampled moment (first sight included), a canary node turning NotReady and another cordoned mid-step, a healthy
 * version promoted and a bad one rolled back at the first step.
 */
class RealDaemonSetCanaryIT {

    static final int NODES = 30;
    static final int MAX_UNAVAILABLE = 3;
    static final String ZONE = "topology.kubernetes.io/zone";
    static final String NAME = "river-proxy";

    @RegisterExtension
    static final RealController REAL = new RealController("controller-daemonset");

    /** One sampled moment: the phase and weight, each fleet node's ready pod image (null: none), the canary nodes. */
    record Sample(Phase phase, Integer weight, Map<String, String> readyImageByNode, Set<String> canaryNodes) {

        List<String> unavailable() {
            return readyImageByNode.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey)
                    .toList();
        }
    }

    @Test
    void nodeByNodeOnThirtyNodesInThreeZonesThroughNodeFaultsThenABadVersionRolledBack() throws Exception {
        String ns = REAL.plane.newNamespace("edge");
        String image = "registry.invalid/" + ns + "/river-proxy:";
        REAL.fleet.traffic.setBehaviour(image + "2.1.0", VersionBehaviour.healthy().withErrorRatio(0.3));
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            String node = ns + "-" + i;
            REAL.plane.addNode(node, Map.of("fleet", ns, ZONE, "eu-" + "abc".charAt(i % 3)));
            nodes.add(node);
        }
        CanaryRuns.applyTemplates(REAL.plane, ns);
        try (KubernetesClient client = REAL.plane.client()) {
            client.apps().daemonSets().inNamespace(ns).resource(daemonSet(ns, image + "2.0.0")).create();
            Awaitility.await("a ready pod on each of the 30 nodes").atMost(Duration.ofSeconds(90))
                    .until(() -> sample(client, ns, nodes).unavailable().isEmpty());
            List<Sample> samples = new CopyOnWriteArrayList<>();
            // A node this test takes down serves nothing from then on whatever anyone does, and the DaemonSet
            // controller no longer counts it (its not-ready taint keeps new pods off): the budget is about the others.
            Set<String> takenDown = ConcurrentHashMap.newKeySet();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleWithFixedDelay(() -> samples.add(sample(client, ns, nodes)), 0, 150,
                    TimeUnit.MILLISECONDS);
            try {
                CanaryRuns.apply(REAL.plane, canary(ns));
                CanaryRuns.awaitPhase(client, ns, NAME, Phase.Ready, REAL.controller, Duration.ofSeconds(180));
                assertThat(sample(client, ns, nodes).readyImageByNode()).as("after first sight")
                        .allSatisfy((node, running) -> assertThat(running).isEqualTo(image + "2.0.0"));

                setImage(ns, image + "2.0.1");
                Sample first = Awaitility.await("step 1: 3 canary nodes, one per zone, serving 2.0.1")
                        .atMost(Duration.ofSeconds(60)).until(() -> sample(client, ns, nodes),
                                s -> s.weight() != null && s.weight() == 10 && servingCanary(s, image + "2.0.1")
                                        .size() == 3);
                assertThat(zones(first.canaryNodes())).containsExactlyInAnyOrder("eu-a", "eu-b", "eu-c");

                // mid-step, one canary node goes NotReady (its kubelet stops reporting) and another is cordoned
                List<String> canaryNodes = List.copyOf(first.canaryNodes());
                String notReady = canaryNodes.get(0);
                String cordoned = canaryNodes.get(1);
                takenDown.add(notReady);
                takeDown(client, notReady);
                client.nodes().withName(cordoned).edit(n -> {
                    n.getSpec().setUnschedulable(true);
                    return n;
                });
                Sample replaced = Awaitility.await("both replaced: 3 serving canary nodes, neither of them")
                        .atMost(Duration.ofSeconds(60)).until(() -> sample(client, ns, nodes),
                                s -> s.weight() != null && s.weight() == 10
                                        && servingCanary(s, image + "2.0.1").size() == 3
                                        && !s.canaryNodes().contains(notReady)
                                        && !s.canaryNodes().contains(cordoned));
                assertThat(replaced.canaryNodes()).hasSize(3);

                CanaryRuns.awaitPhase(client, ns, NAME, Phase.Succeeded, REAL.controller, Duration.ofSeconds(180));
                CanaryStatus promoted = CanaryRuns.status(client, ns, NAME);
                // each step's first look may come before Prometheus has discovered and scraped the new pods: a "not
                // yet" looked at again after a scrape, never a Warning
                assertThat(client.v1().events().inNamespace(ns).list().getItems()).extracting(e -> e.getReason())
                        .isNotEmpty().doesNotContain("CheckNoData");
                assertThat(promoted.getFailedChecks()).isZero();
                assertThat(samples).extracting(Sample::weight).containsSubsequence(10, 50, 100);
                // 50% of the fleet's 30 nodes (the NotReady and the cordoned one stay in it, never chosen)
                List<Sample> half = samples.stream().filter(s -> Integer.valueOf(50).equals(s.weight())).toList();
                assertThat(half).extracting(s -> s.canaryNodes().size()).contains(15)
                        .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(15));
                assertThat(half).allSatisfy(s -> assertThat(s.canaryNodes()).doesNotContain(notReady, cordoned));
                Awaitility.await("every node that serves runs 2.0.1").atMost(Duration.ofSeconds(90))
                        .untilAsserted(() -> assertThat(sample(client, ns, nodes).readyImageByNode())
                                .allSatisfy((node, running) -> {
                                    if (!node.equals(notReady)) {
                                        assertThat(running).as(node).isEqualTo(image + "2.0.1");
                                    }
                                }));

                setImage(ns, image + "2.1.0");
                int mark = samples.size();
                CanaryRuns.awaitPhase(client, ns, NAME, Phase.RolledBack, REAL.controller, Duration.ofSeconds(180));
                assertThat(CanaryRuns.status(client, ns, NAME).getMessage()).contains("success-rate");
                List<Sample> badRun = samples.subList(mark, samples.size());
                assertThat(badRun).extracting(Sample::weight).doesNotContain(50, 100);
                assertThat(badRun).anySatisfy(s -> assertThat(servingCanary(s, image + "2.1.0")).hasSize(3));
                assertThat(badRun).allSatisfy(s -> assertThat(s.readyImageByNode().values()
                        .stream().filter((image + "2.1.0")::equals).count()).isLessThanOrEqualTo(3));
                Awaitility.await("every node that serves runs 2.0.1 again").atMost(Duration.ofSeconds(90))
                        .untilAsserted(() -> assertThat(sample(client, ns, nodes).readyImageByNode())
                                .allSatisfy((node, running) -> {
                                    if (!node.equals(notReady)) {
                                        assertThat(running).as(node).isEqualTo(image + "2.0.1");
                                    }
                                }));
            } finally {
                sampler.shutdownNow();
                // the fleet goes, so no later test's pods land on a node nothing runs
                nodes.forEach(n -> client.nodes().withName(n).delete());
            }
            // Our moves keep to maxUnavailable. At first sight the pods restart for the affinity term by the real
            // DaemonSet controller's own rolling update, which CI once saw one node over its maxUnavailable for two
            // samples (4 of 3, every node still labelled canary, so nothing of ours moved): that phase gets its slack.
            assertThat(samples).isNotEmpty().allSatisfy(s -> assertThat(s.unavailable()).filteredOn(n -> !takenDown
                    .contains(n)).as("nodes without a ready pod at %s (maxUnavailable %d; taken down: %s)", s,
                            MAX_UNAVAILABLE, takenDown)
                    .hasSizeLessThanOrEqualTo(s.phase() == Phase.Initializing
                            ? MAX_UNAVAILABLE + 1
                            : MAX_UNAVAILABLE));
            assertThat(samples).filteredOn(s -> s.phase() != null && s.phase() != Phase.Initializing)
                    .as("samples after first sight").hasSizeGreaterThan(100);
        }
    }

    /** The canary-labelled nodes whose ready pod runs that image. */
    static Set<String> servingCanary(Sample s, String image) {
        Set<String> serving = new TreeSet<>();
        for (String node : s.canaryNodes()) {
            if (image.equals(s.readyImageByNode().get(node))) {
                serving.add(node);
            }
        }
        return serving;
    }

    static List<String> zones(Set<String> nodes) {
        return nodes.stream().map(n -> "eu-" + "abc".charAt(Integer.parseInt(n.substring(n.lastIndexOf('-') + 1))
                % 3)).toList();
    }

    /**
     * As a kubelet that stops working: kwok no longer plays this node (its annotation removed, so nothing renews
     * its status), and its Ready condition turns False; the node lifecycle controller then marks its pods not ready.
     */
    static void takeDown(KubernetesClient client, String node) {
        client.nodes().withName(node).edit(n -> {
            n.getMetadata().getAnnotations().remove(Kwok.NODE_ANNOTATION);
            return n;
        });
        Node current = client.nodes().withName(node).get();
        for (NodeCondition c : current.getStatus().getConditions()) {
            if (c.getType().equals("Ready")) {
                c.setStatus("False");
                c.setReason("KubeletNotReady");
                c.setMessage("taken down by the test");
                c.setLastTransitionTime(java.time.Instant.now().toString());
                c.setLastHeartbeatTime(java.time.Instant.now().toString());
            }
        }
        client.nodes().resource(current).updateStatus();
    }

    static Sample sample(KubernetesClient client, String ns, List<String> nodes) {
        Canary canary = client.resources(Canary.class).inNamespace(ns).withName(NAME).get();
        CanaryStatus status = canary == null ? null : canary.getStatus();
        Map<String, String> ready = new TreeMap<>();
        nodes.forEach(n -> ready.put(n, null));
        for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
            if (pod.getMetadata().getDeletionTimestamp() == null && pod.getSpec().getNodeName() != null
                    && pod.getStatus().getConditions().stream()
                            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))) {
                ready.put(pod.getSpec().getNodeName(), pod.getSpec().getContainers().get(0).getImage());
            }
        }
        String label = "canary.aegis.dev/" + ns + "." + NAME;
        Set<String> canaryNodes = new TreeSet<>();
        for (Node node : client.nodes().withLabel("fleet", ns).list().getItems()) {
            if ("canary".equals(node.getMetadata().getLabels().get(label))) {
                canaryNodes.add(node.getMetadata().getName());
            }
        }
        // The status again: a step that moved while the nodes were listed is not this sample's (the controller writes
        // a new weight first, then labels), so such a sample belongs to no weight.
        Canary after = client.resources(Canary.class).inNamespace(ns).withName(NAME).get();
        Integer weight = status == null ? null : status.getWeight();
        if (after == null || after.getStatus() == null || !Objects.equals(weight, after.getStatus()
                .getWeight())) {
            weight = null;
        }
        return new Sample(status == null ? null : status.getPhase(), weight, new HashMap<>(ready), canaryNodes);
    }

    static String canary(String ns) {
        return canary(ns, "\n      - {name: success-rate, templateRef: {name: request-success-rate}, "
                + "thresholdRange: {min: 99}}");
    }

    /** The Canary with these metrics: a YAML list's items, each on a line of its own indented by six. */
    static String canary(String ns, String metrics) {
        return """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: Canary
                metadata: {name: %s, namespace: %s}
                spec:
                  targetRef: {apiVersion: apps/v1, kind: DaemonSet, name: %s}
                  traffic: {router: nodes, nodes: {spreadBy: %s}}
                  steps: [10, 50, 100]
                  analysis:
                    interval: 8s
                    metrics:%s
                  progressDeadline: 2m
                """.formatted(NAME, ns, NAME, ZONE, metrics);
    }

    static DaemonSet daemonSet(String ns, String image) {
        return new DaemonSetBuilder().withNewMetadata().withName(NAME).withNamespace(ns).endMetadata().withNewSpec()
                .withNewSelector().addToMatchLabels("app", NAME).endSelector().withNewUpdateStrategy()
                .withType("RollingUpdate").withNewRollingUpdate()
                .withNewMaxUnavailable(MAX_UNAVAILABLE).endRollingUpdate().endUpdateStrategy().withNewTemplate()
                .withNewMetadata().addToLabels("app", NAME).endMetadata().withNewSpec()
                .addToNodeSelector("fleet", ns).addNewContainer().withName("proxy").withImage(image).addNewPort()
                .withContainerPort(8080).endPort().endContainer().endSpec().endTemplate().endSpec().build();
    }

    /** As a Git change would: the image only, no resourceVersion (kubectl set image). */
    static void setImage(String ns, String image) {
        Kubectl.Result set = Kubectl.run(REAL.plane, "set", "image", "-n", ns, "daemonset/" + NAME, "proxy=" + image);
        assertThat(set.exitCode()).as(set.output()).isZero();
    }
}
