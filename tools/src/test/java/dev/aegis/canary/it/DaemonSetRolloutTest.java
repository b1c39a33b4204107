package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.RouterType;
import dev.aegis.canary.api.TargetRef;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.TrafficSpec;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.it.StatusRecorder.Snapshot;
import dev.aegis.canary.routing.NodePlacement;
import dev.aegis.canary.routing.NodeSelection;
import dev.aegis.canary.sim.VersionBehaviour;
import dev.aegis.canary.workload.DaemonSetWorkloads;

/**
 * Node-by-node rollouts of a DaemonSet on a simulated edge fleet: which nodes run which version at every step, the
 * node labels, promotion and rollback moving every node back to one DaemonSet, and a fleet that changes mid-run.
 */
@QuarkusTest
class DaemonSetRolloutTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(120);
    static final String ZONE = "topology.kubernetes.io/zone";
    static final String PROXY = "river-proxy";

    /** What runs on the fleet: per node, the DaemonSet and image of its pods; and the canary-labelled nodes. */
    record FleetState(Map<String, List<String>> podsByNode, Set<String> canaryNodes) {
    }

    /** 20 edge nodes in 3 zones, plus a core node and a tainted edge node the DaemonSet does not run on. */
    static List<String> edgeFleet(Fixtures fx) {
        List<String> edge = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String name = fx.ns + "-edge-" + i;
            fx.node(name, Map.of("role", "edge", "fleet", fx.ns, ZONE, "eu-" + "abc".charAt(i % 3)));
            edge.add(name);
        }
        fx.node(fx.ns + "-core", Map.of("role", "core", "fleet", fx.ns, ZONE, "eu-a"));
        Node tainted = fx.node(fx.ns + "-db", Map.of("role", "edge", "fleet", fx.ns, ZONE, "eu-b"));
        fx.client.nodes().withName(tainted.getMetadata().getName()).edit(n -> {
            n.getSpec().setTaints(List.of(new TaintBuilder().withKey("dedicated").withValue("db")
                    .withEffect("NoSchedule").build()));
            return n;
        });
        return edge;
    }

    static Canary canary(Fixtures fx, List<MetricSpec> metrics) {
        return canary(fx, metrics, spec -> {
        });
    }

    static Canary canary(Fixtures fx, List<MetricSpec> metrics, java.util.function.Consumer<CanarySpec> more) {
        return fx.canary(PROXY, PROXY, spec -> {
            spec.setTargetRef(new TargetRef(WorkloadKind.DaemonSet, PROXY));
            spec.setService(null);
            TrafficSpec traffic = new TrafficSpec();
            traffic.setRouter(RouterType.NODES);
            TrafficSpec.NodesTraffic nodes = new TrafficSpec.NodesTraffic();
            nodes.setSpreadBy(ZONE);
            traffic.setNodes(nodes);
            spec.setTraffic(traffic);
            if (metrics != null) {
                spec.getAnalysis().setMetrics(metrics);
            }
            more.accept(spec);
        });
    }

    static FleetState state(Fixtures fx) {
        KubernetesClient client = fx.client;
        Map<String, List<String>> podsByNode = new LinkedHashMap<>();
        for (Pod p : client.pods().inNamespace(fx.ns).list().getItems()) {
            String owner = p.getMetadata().getOwnerReferences().get(0).getName();
            podsByNode.computeIfAbsent(p.getSpec().getNodeName(), n -> new ArrayList<>())
                    .add(owner + " " + p.getSpec().getContainers().get(0).getImage());
        }
        String label = "canary.aegis.dev/" + fx.ns + "." + PROXY;
        Set<String> canaryNodes = client.nodes().list().getItems().stream()
                .filter(n -> n.getMetadata().getLabels() != null
                        && "canary".equals(n.getMetadata().getLabels().get(label)))
                .map(n -> n.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
        return new FleetState(podsByNode, canaryNodes);
    }

    /** The canary nodes a step should have: the selection order's prefix, computed from the nodes as they are. */
    List<String> expectedCanaryNodes(Fixtures fx, int weight, String revision) {
        List<NodePlacement.Node> candidates = client.nodes().list().getItems().stream()
                .filter(n -> fx.ns.equals(n.getMetadata().getLabels().get("fleet"))
                        && "edge".equals(n.getMetadata().getLabels().get("role"))
                        && (n.getSpec().getTaints() == null || n.getSpec().getTaints().isEmpty()))
                .map(DaemonSetWorkloads::node).toList();
        int count = NodeSelection.count(weight, candidates.size(), candidates.size());
        return NodeSelection.order(candidates, revision, ZONE).subList(0, count);
    }

    static void assertEveryNodeRunsOneVersion(FleetState state, List<String> edge, Set<String> canaryNodes,
            String canaryImage, String stableImage) {
        for (String node : edge) {
            List<String> pods = state.podsByNode().getOrDefault(node, List.of());
            String expected = canaryNodes.contains(node)
                    ? PROXY + " " + Fixtures.IMAGE + canaryImage
                    : PROXY + "-primary " + Fixtures.IMAGE + stableImage;
            assertThat(pods).as("pods on " + node).containsExactly(expected);
        }
    }

    @Test
    void aHealthyReleaseMovesNodeByNodeThroughEveryStepAndIsPromoted() {
        Fixtures fx = new Fixtures(client, "ds-healthy");
        fx.applyShippedTemplates();
        List<String> edge = edgeFleet(fx);
        fx.daemonSet(PROXY, "2.0.0");
        canary(fx, null);
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY).onStep(s -> state(fx))) {
            CanaryStatus ready = recorder.awaitPhase(Phase.Ready, RUN);
            assertThat(ready.getMessage()).isEqualTo("revision " + ready.getStableRevision()
                    + " serves on the primary (20/20 nodes ready)");
            FleetState initial = state(fx);
            assertThat(initial.canaryNodes()).as("first sight ends with no node labelled").isEmpty();
            assertEveryNodeRunsOneVersion(initial, edge, Set.of(), "2.0.0", "2.0.0");
            assertThat(initial.podsByNode()).doesNotContainKeys(fx.ns + "-core", fx.ns + "-db");

            fx.setDaemonSetImage(PROXY, "2.1.0");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);

            List<Snapshot> steps = recorder.snapshots();
            assertThat(steps).extracting(s -> s.status().getWeight()).containsExactly(1, 10, 50, 100);
            assertThat(steps).extracting(s -> s.status().getCanaryNodes()).containsExactly(1, 2, 10, 20);
            assertThat(steps).extracting(s -> s.status().getTotalNodes()).containsOnly(20);
            assertThat(steps.get(1).status().getMessage()).startsWith("step 2/4: 10% (2/20 nodes)");
            for (Snapshot step : steps) {
                List<String> expected = expectedCanaryNodes(fx, step.status().getWeight(),
                        step.status().getCanaryRevision());
                FleetState world = (FleetState) step.world();
                assertThat(world.canaryNodes()).as("canary nodes at " + step.status().getWeight() + "%")
                        .containsExactlyInAnyOrderElementsOf(expected);
                assertEveryNodeRunsOneVersion(world, edge, world.canaryNodes(), "2.1.0", "2.0.0");
            }
            // Independently of the selection code: a node chosen at one step stays chosen at the next, and the
            // canary nodes are spread over the zones (2 nodes in 2 zones, 10 nodes over all 3, none with more than 4).
            for (int i = 1; i < steps.size(); i++) {
                assertThat(((FleetState) steps.get(i).world()).canaryNodes())
                        .containsAll(((FleetState) steps.get(i - 1).world()).canaryNodes());
            }
            assertThat(((FleetState) steps.get(1).world()).canaryNodes().stream()
                    .map(n -> Integer.parseInt(n.substring(n.lastIndexOf('-') + 1)) % 3).distinct().count())
                    .isEqualTo(2);
            assertThat(((FleetState) steps.get(2).world()).canaryNodes().stream()
                    .collect(Collectors.groupingBy(n -> Integer.parseInt(n.substring(n.lastIndexOf('-') + 1)) % 3,
                            Collectors.counting()))
                    .values()).allSatisfy(perZone -> assertThat(perZone).isBetween(3L, 4L));
            // 1% of 20 nodes in 3 zones is one node; 50% is spread over all three zones
            assertThat(((FleetState) steps.get(2).world()).canaryNodes().stream()
                    .map(n -> Integer.parseInt(n.substring(n.lastIndexOf('-') + 1)) % 3).distinct().count())
                    .isEqualTo(3);

            assertThat(done.getStableRevision()).isEqualTo(done.getCanaryRevision());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                FleetState end = state(fx);
                assertThat(end.canaryNodes()).as("labels removed when the run ends").isEmpty();
                assertEveryNodeRunsOneVersion(end, edge, Set.of(), "2.1.0", "2.1.0");
            });
        }
    }

    @Test
    void aReleaseThatFailsOnlyOnItsNodesIsRolledBackAndEveryNodeEndsOnTheStableVersion() {
        Fixtures fx = new Fixtures(client, "ds-bad");
        fx.applyShippedTemplates();
        fx.template("node-success-rate", "100 * sum(rate(http_requests_total{namespace=\"{{namespace}}\","
                + "node=~\"{{canaryNodes}}\",code!~\"5..\"}[{{interval}}])) / sum(rate(http_requests_total{"
                + "namespace=\"{{namespace}}\",node=~\"{{canaryNodes}}\"}[{{interval}}]))");
        List<String> edge = edgeFleet(fx);
        fx.daemonSet(PROXY, "3.0.0");
        fleet.setBehaviour(Fixtures.IMAGE + "3.0.1", VersionBehaviour.healthy().withErrorRatio(0.2));
        canary(fx, List.of(new MetricSpec("node-success-rate", new TemplateRef("node-success-rate", null),
                new ThresholdRange(99.0, null))));
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY).onStep(s -> state(fx))) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setDaemonSetImage(PROXY, "3.0.1");
            CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);

            assertThat(recorder.snapshots()).extracting(x -> x.status().getWeight()).containsExactly(1);
            assertThat(s.getMessage()).contains("at step 1/4 (1%): node-success-rate 80")
                    .contains("(want >= 99)");
            String canaryNode = ((FleetState) recorder.snapshots().get(0).world()).canaryNodes().iterator().next();
            assertThat(s.getLastAnalysis().get(0).getQuery()).contains("node=~\"^(" + canaryNode + ")$\"");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                FleetState end = state(fx);
                assertThat(end.canaryNodes()).isEmpty();
                assertEveryNodeRunsOneVersion(end, edge, Set.of(), "3.0.1", "3.0.0");
            });
        }
    }

    @Test
    void aNodeThatJoinsRunsThePrimaryAndOneThatLeavesIsReplacedAtTheNextStep() {
        Fixtures fx = new Fixtures(client, "ds-churn");
        fx.applyShippedTemplates();
        List<String> edge = new ArrayList<>(edgeFleet(fx));
        fx.daemonSet(PROXY, "4.0.0");
        canary(fx, null);
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY).onStep(s -> state(fx))) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setDaemonSetImage(PROXY, "4.1.0");
            await().atMost(RUN).until(() -> recorder.snapshots().size() == 2);
            FleetState atTen = (FleetState) recorder.snapshots().get(1).world();
            String leaving = atTen.canaryNodes().iterator().next();

            String joining = fx.ns + "-edge-new";
            fx.node(joining, Map.of("role", "edge", "fleet", fx.ns, ZONE, "eu-a"));
            client.nodes().withName(leaving).delete();
            edge.add(joining);
            edge.remove(leaving);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(state(fx).podsByNode().get(joining))
                    .as("a node that joins runs the primary").containsExactly(PROXY + "-primary " + Fixtures.IMAGE
                            + "4.0.0"));

            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            List<Snapshot> steps = recorder.snapshots();
            FleetState atFifty = (FleetState) steps.get(steps.size() - 2).world();
            assertThat(steps.get(steps.size() - 2).status().getWeight()).isEqualTo(50);
            assertThat(atFifty.canaryNodes()).doesNotContain(leaving)
                    .containsExactlyInAnyOrderElementsOf(expectedCanaryNodes(fx, 50, done.getCanaryRevision()));
            assertThat(steps.get(steps.size() - 2).status().getTotalNodes()).isEqualTo(20);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                FleetState end = state(fx);
                assertThat(end.canaryNodes()).isEmpty();
                assertThat(end.podsByNode()).doesNotContainKey(leaving);
                assertEveryNodeRunsOneVersion(end, edge, Set.of(), "4.1.0", "4.1.0");
            });
        }
    }
}
