package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;

/**
 * The nodes router on a large fleet of the real control plane ({@code ./mvnw -Pbench-nodes-real verify}, nodes from
 * {@code -Dbench.nodes}, 1,000 by default): kwok nodes in 3 zones, the real DaemonSet controller and scheduler placing
 * and replacing the pods, the packaged controller as deploy/ runs it. Not named *IT, so no default run picks it up.
 * Prints, for first sight, each step and the promotion: the time from the controller's decision (the status's weight)
 * until every node of it serves the new version from a ready pod, and the controller's requests in that time as the
 * API server's audit log counts them. The Canary has no metrics (each check passes at once): the figures are the
 * rollout's, not the analysis'.
 */
class RealNodesBenchmark {

    static final String NS = "bench-nodes";
    static final String NAME = "river-proxy";
    static final String ZONE = "topology.kubernetes.io/zone";
    static final String IMAGE = "registry.invalid/bench/river-proxy:";

    @Test
    void stepsOnALargeFleet() throws Exception {
        int nodes = Integer.getInteger("bench.nodes", 1000);
        ControlPlane plane = ControlPlane.shared();
        Manifests.applyDeploy(plane);
        try (KubernetesClient client = plane.client()) {
            client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(NS).endMetadata().build()).serverSideApply();
            long t0 = System.nanoTime();
            addNodes(plane, nodes, true);
            System.out.printf("%,d kwok nodes created in %.1f s%n", nodes, seconds(t0));
            int others = Integer.getInteger("bench.otherNodes", 0);
            if (others > 0) {
                t0 = System.nanoTime();
                addNodes(plane, others, false);
                System.out
                        .printf("%,d more kwok nodes, outside the fleet (every informer of nodes lists them), created "
                                + "in %.1f s%n", others, seconds(t0));
            }

            SharedIndexInformer<Pod> pods = client.pods().inNamespace(NS).inform();
            client.apps().daemonSets().inNamespace(NS).resource(daemonSet(IMAGE + "1.0.0")).create();
            t0 = System.nanoTime();
            Awaitility.await("a ready pod on each node").atMost(wait(nodes))
                    .pollInterval(Duration.ofMillis(500)).until(() -> serving(pods, IMAGE + "1.0.0") == nodes);
            System.out.printf("DaemonSet ready on every node in %.1f s (the real DaemonSet controller, from nothing)%n",
                    seconds(t0));

            PackagedController controller = PackagedController.start(plane, "bench-nodes", "http://127.0.0.1:9");
            try {
                List<String> rows = new ArrayList<>();
                Instant start = Instant.now();
                CanaryRuns.apply(plane, canary(nodes));
                CanaryStatus ready = await(client, controller, nodes, s -> s.getPhase() == Phase.Ready);
                Awaitility.await("first sight: the primary's pods on every node").atMost(wait(nodes))
                        .pollInterval(Duration.ofMillis(200)).until(() -> serving(pods, IMAGE + "1.0.0") == nodes);
                rows.add(printed(row("first sight", nodes, start, Instant.now(), plane)));
                Objects.requireNonNull(ready);

                Kubectl.Result set = Kubectl.run(plane, "set", "image", "-n", NS, "daemonset/" + NAME,
                        "proxy=" + IMAGE + "2.0.0");
                assertThat(set.exitCode()).as(set.output()).isZero();
                for (int weight : new int[]{1, 10, 50, 100}) {
                    await(client, controller, nodes, s -> s.getWeight() != null && s.getWeight() == weight);
                    Instant decided = Instant.now();
                    // the step's share of the fleet, as the router rounds it (up, at least one node)
                    int share = Math.max(1, (int) Math.ceil(weight * nodes / 100.0));
                    Awaitility.await(weight + "%: " + share + " nodes serve 2.0.0").atMost(wait(nodes))
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> serving(pods, IMAGE + "2.0.0") >= share);
                    rows.add(printed(row(weight + "%", share, decided, Instant.now(), plane)));
                }
                Instant promoting = Instant.now();
                await(client, controller, nodes, s -> s.getPhase() == Phase.Succeeded);
                Awaitility.await("promoted: every node serves 2.0.0 from the primary").atMost(wait(nodes))
                        .pollInterval(Duration.ofMillis(200)).until(() -> serving(pods, IMAGE + "2.0.0") == nodes);
                rows.add(printed(row("promotion", nodes, promoting, Instant.now(), plane)));

                Integer qps = ControlPlane.controllerManagerQps();
                System.out.printf("%n%,d nodes, 3 zones, maxUnavailable 10%%, the real DaemonSet controller (%s)%n",
                        nodes, qps == null
                                ? "kube-controller-manager's default QPS, 20"
                                : "kube-controller-manager at " + qps + " requests/s");
                System.out.printf("  %-16s %7s %12s %10s  %s%n", "step", "nodes", "time", "requests",
                        "by verb and resource");
                rows.forEach(System.out::println);
                System.out.printf("  the controller's peak RSS: %.1f MiB (-Xmx256m)%n", controller.peakRssMiB());
            } finally {
                controller.close();
                pods.close();
            }
            Audit.assertNoneRefused(plane, PackagedControllerIT.USER);
        }
    }

    /** Prints the row at once, so that a run stopped part way (10,000 nodes take hours here) still tells its steps. */
    static String printed(String row) {
        System.out.println(row);
        return row;
    }

    /** Creates the nodes 8 at a time, in zones eu-a, eu-b, eu-c; in the DaemonSet's fleet or outside it. */
    static void addNodes(ControlPlane plane, int count, boolean inFleet) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (KubernetesClient client = plane.client()) {
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = (inFleet ? NS : "other") + "-" + i;
                String zone = "eu-" + "abc".charAt(i % 3);
                Map<String, String> labels = inFleet ? Map.of("fleet", NS, ZONE, zone) : Map.of(ZONE, zone);
                created.add(pool.submit(() -> client.nodes().resource(ControlPlane.fakeNode(name, labels)).create()));
            }
            for (Future<?> f : created) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Nodes whose ready pod runs this image. */
    static long serving(SharedIndexInformer<Pod> pods, String image) {
        return pods.getStore().list().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getSpec().getNodeName() != null)
                .filter(p -> image.equals(p.getSpec().getContainers().get(0).getImage()))
                .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus()
                        .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c
                                .getStatus())))
                .map(p -> p.getSpec().getNodeName()).distinct().count();
    }

    static CanaryStatus await(KubernetesClient client, PackagedController controller, int nodes,
            Predicate<CanaryStatus> when) {
        return Awaitility.await("the Canary; controller log " + controller.log).atMost(wait(nodes))
                .pollInterval(Duration.ofMillis(100)).failFast("controller died; see " + controller.log,
                        () -> !controller.isAlive())
                .until(() -> {
                    Canary c = client.resources(Canary.class).inNamespace(NS).withName(NAME).get();
                    return c == null ? null : c.getStatus();
                }, s -> s != null && when.test(s));
    }

    /** One line of the table: the step, its nodes, the time and the controller's requests in [from, to]. */
    static String row(String step, int nodes, Instant from, Instant to, ControlPlane plane) {
        Map<String, Integer> byKind = new TreeMap<>();
        int total = 0;
        for (Audit.Request r : Audit.requestsOf(plane, PackagedControllerIT.USER)) {
            if (!"watch".equals(r.verb()) && !r.at().isBefore(from) && !r.at().isAfter(to)) {
                byKind.merge(r.verb() + " " + r.resource(), 1, Integer::sum);
                total++;
            }
        }
        return String.format("  %-16s %7d %10.1f s %10d  %s", step, nodes,
                Duration.between(from, to).toMillis() / 1000.0, total, byKind);
    }

    /** How long a wait for the whole fleet may take: 10 minutes, and a minute per 100 nodes past 1,000. */
    static Duration wait(int nodes) {
        return Duration.ofMinutes(Math.max(10, nodes / 100));
    }

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    static DaemonSet daemonSet(String image) {
        return new DaemonSetBuilder().withNewMetadata().withName(NAME).withNamespace(NS).endMetadata().withNewSpec()
                .withNewSelector().addToMatchLabels("app", NAME).endSelector().withNewUpdateStrategy()
                .withType("RollingUpdate").withNewRollingUpdate().withNewMaxUnavailable("10%").endRollingUpdate()
                .endUpdateStrategy().withNewTemplate().withNewMetadata().addToLabels("app", NAME).endMetadata()
                .withNewSpec().addToNodeSelector("fleet", NS).addNewContainer().withName("proxy").withImage(image)
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    static String canary(int nodes) {
        return """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: Canary
                metadata: {name: %s, namespace: %s}
                spec:
                  targetRef: {apiVersion: apps/v1, kind: DaemonSet, name: %s}
                  traffic: {router: nodes, nodes: {spreadBy: %s}}
                  steps: [1, 10, 50, 100]
                  analysis:
                    interval: 5s
                  progressDeadline: %dm
                """.formatted(NAME, NS, NAME, ZONE, wait(nodes).toMinutes());
    }
}
