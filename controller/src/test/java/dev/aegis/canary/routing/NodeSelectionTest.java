package dev.aegis.canary.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.aegis.canary.routing.NodePlacement.Node;
import dev.aegis.canary.routing.NodePlacement.Requirement;
import dev.aegis.canary.routing.NodePlacement.Taint;
import dev.aegis.canary.routing.NodePlacement.Toleration;

class NodeSelectionTest {

    static final String ZONE = "topology.kubernetes.io/zone";

    /** n nodes edge-0000.., spread over the zones round-robin. */
    static List<Node> fleet(int n, String... zones) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> labels = zones.length == 0 ? Map.of() : Map.of(ZONE, zones[i % zones.length]);
            nodes.add(new Node(String.format("edge-%04d", i), labels, List.of(), false, true));
        }
        return nodes;
    }

    /** The canary nodes at a weight, as the router chooses them. */
    static List<String> chosen(List<Node> fleet, int weight, String revision, String spreadBy) {
        int count = NodeSelection.count(weight, fleet.size(), fleet.size());
        return NodeSelection.order(fleet, revision, spreadBy).subList(0, count);
    }

    @ParameterizedTest(name = "{0} nodes: {1}")
    @CsvSource({
            "1, 1 1 1 1",
            "7, 1 1 4 7",
            "100, 1 10 50 100",
            "118, 2 12 59 118",
            "10000, 100 1000 5000 10000"})
    void countsAtEachDefaultStep(int nodes, String expected) {
        List<Integer> counts = new ArrayList<>();
        for (int weight : List.of(1, 10, 50, 100)) {
            counts.add(chosen(fleet(nodes), weight, "rev1", null).size());
        }
        assertThat(counts.stream().map(String::valueOf).collect(Collectors.joining(" "))).isEqualTo(expected);
    }

    @Test
    void countNeverExceedsTheNodesThatCanTakeACanary() {
        assertThat(NodeSelection.count(50, 100, 20)).isEqualTo(20);
        assertThat(NodeSelection.count(1, 100, 0)).isZero();
        assertThat(NodeSelection.count(0, 100, 100)).isZero();
    }

    @Test
    void theChoiceIsStableAcrossCallsAndInputOrder() {
        List<Node> fleet = fleet(500, "a", "b", "c");
        List<Node> shuffled = new ArrayList<>(fleet);
        java.util.Collections.shuffle(shuffled, new java.util.Random(7));
        assertThat(NodeSelection.order(shuffled, "rev1", ZONE)).isEqualTo(NodeSelection.order(fleet, "rev1", ZONE));
        assertThat(chosen(fleet, 10, "rev1", ZONE)).isEqualTo(chosen(fleet, 10, "rev1", ZONE));
    }

    @Test
    void aNewRevisionDrawsOtherNodes() {
        List<Node> fleet = fleet(1000);
        assertThat(chosen(fleet, 1, "rev1", null)).isNotEqualTo(chosen(fleet, 1, "rev2", null));
    }

    @Test
    void aNodeChosenAtOneStepStaysChosenAtTheNext() {
        for (String spread : new String[]{null, ZONE}) {
            List<Node> fleet = fleet(1000, "a", "b", "c", "d");
            List<String> previous = List.of();
            for (int weight : List.of(1, 5, 10, 25, 50, 75, 100)) {
                List<String> now = chosen(fleet, weight, "rev1", spread);
                assertThat(now).containsAll(previous);
                previous = now;
            }
        }
    }

    @Test
    void spreadByZoneTakesOneNodePerZoneAtOnePercentOf300() {
        List<Node> fleet = fleet(300, "eu-1a", "eu-1b", "eu-1c");
        Map<String, String> zoneOf = new HashMap<>();
        fleet.forEach(n -> zoneOf.put(n.name(), n.labels().get(ZONE)));
        List<String> chosen = chosen(fleet, 1, "rev1", ZONE);
        assertThat(chosen).hasSize(3);
        assertThat(chosen.stream().map(zoneOf::get).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("eu-1a", "eu-1b", "eu-1c");
    }

    @Test
    void spreadFollowsTheZonesSizes() {
        // 200 nodes in a, 100 in b: 30 canary nodes are 20 in a and 10 in b
        List<Node> fleet = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            fleet.add(new Node("n" + i, Map.of(ZONE, i < 200 ? "a" : "b"), List.of(), false, true));
        }
        List<String> chosen = chosen(fleet, 10, "rev1", ZONE);
        long inA = chosen.stream().filter(n -> Integer.parseInt(n.substring(1)) < 200).count();
        assertThat(chosen).hasSize(30);
        assertThat(inA).isEqualTo(20);
    }

    @Test
    void nodesWithoutTheSpreadLabelFormTheirOwnGroup() {
        List<Node> fleet = new ArrayList<>(fleet(4, "a", "b"));
        fleet.add(new Node("unlabelled-1", Map.of(), List.of(), false, true));
        fleet.add(new Node("unlabelled-2", Map.of(), List.of(), false, true));
        assertThat(NodeSelection.order(fleet, "r", ZONE).subList(0, 3)).anyMatch(n -> n.startsWith("unlabelled"));
    }

    @Test
    void selectorsAffinityAndTaintsDecideWhereADaemonSetRuns() {
        Node edge = new Node("edge", Map.of("role", "edge", ZONE, "a", "cpu", "8"), List.of(), false, true);
        Node core = new Node("core", Map.of("role", "core"), List.of(), false, true);
        Node tainted = new Node("gpu", Map.of("role", "edge"), List.of(new Taint("gpu", "true", "NoSchedule")),
                false, true);
        Node soft = new Node("soft", Map.of("role", "edge"), List.of(new Taint("x", "", "PreferNoSchedule")), false,
                true);
        Node cordoned = new Node("cordoned", Map.of("role", "edge"), List.of(new Taint(
                "node.kubernetes.io/unschedulable", "", "NoSchedule")), true, true);

        NodePlacement bySelector = new NodePlacement(Map.of("role", "edge"), List.of(), List.of());
        assertThat(bySelector.admits(edge)).isTrue();
        assertThat(bySelector.admits(core)).isFalse();
        assertThat(bySelector.admits(tainted)).as("NoSchedule taint without toleration").isFalse();
        assertThat(bySelector.admits(soft)).as("PreferNoSchedule does not repel").isTrue();
        assertThat(bySelector.admits(cordoned)).as("DaemonSet pods tolerate a cordon").isTrue();
        assertThat(cordoned.canTakeCanary()).as("but a cordoned node gets no canary").isFalse();

        NodePlacement tolerating = new NodePlacement(Map.of("role", "edge"), List.of(),
                List.of(new Toleration("gpu", "Equal", "true", "NoSchedule")));
        assertThat(tolerating.admits(tainted)).isTrue();
        assertThat(new NodePlacement(Map.of(), List.of(), List.of(new Toleration(null, "Exists", null, null)))
                .admits(tainted)).as("an empty-key Exists toleration tolerates everything").isTrue();
        assertThat(new NodePlacement(Map.of(), List.of(), List.of(new Toleration("gpu", "Equal", "false", null)))
                .admits(tainted)).as("wrong value").isFalse();

        NodePlacement byAffinity = new NodePlacement(Map.of(), List.of(
                List.of(new Requirement(ZONE, "In", List.of("a", "b")), new Requirement("cpu", "Gt", List.of("4"))),
                List.of(new Requirement("role", "In", List.of("core")))), List.of());
        assertThat(byAffinity.admits(edge)).as("first term: zone a and cpu > 4").isTrue();
        assertThat(byAffinity.admits(core)).as("second term").isTrue();
        assertThat(byAffinity.admits(soft)).isFalse();
        assertThat(new NodePlacement(Map.of(), List.of(List.of(new Requirement("role", "NotIn", List.of("core")),
                new Requirement("gpu", "DoesNotExist", null))), List.of()).admits(core)).isFalse();
    }

    @Test
    void maxUnavailableIsACountOrAPercentageRoundedUpAndAtLeastOne() {
        assertThat(NodeMoves.maxUnavailable(null, 118)).isEqualTo(1);
        assertThat(NodeMoves.maxUnavailable("3", 118)).isEqualTo(3);
        assertThat(NodeMoves.maxUnavailable("10%", 118)).as("11.8 rounds up, as the DaemonSet controller does")
                .isEqualTo(12);
        assertThat(NodeMoves.maxUnavailable("10%", 5)).isEqualTo(1);
        assertThat(NodeMoves.maxUnavailable("25%", 10)).isEqualTo(3);
        assertThat(NodeMoves.maxUnavailable("0", 10)).as("a move takes a node down: at least one").isEqualTo(1);
    }

    @Test
    void aStepGrowsFromTheNodesOnTheCanaryWhateverJoinedLeftOrWentDown() {
        java.util.Random random = new java.util.Random(42);
        for (int run = 0; run < 500; run++) {
            String spread = run % 2 == 0 ? null : ZONE;
            List<Node> fleet = new ArrayList<>(fleet(50 + random.nextInt(100), "a", "b", "c"));
            Set<String> current = Set.of();
            for (int weight : List.of(1, 10, 25, 50, 100)) {
                // Between steps: nodes join, leave and go down.
                for (int i = 0; i < 5; i++) {
                    int at = random.nextInt(fleet.size());
                    Node n = fleet.get(at);
                    switch (random.nextInt(3)) {
                        case 0 -> fleet.add(new Node("joined-" + run + "-" + weight + "-" + i, Map.of(ZONE,
                                "abc".charAt(random.nextInt(3)) + ""), List.of(), false, true));
                        case 1 -> fleet.remove(at);
                        default -> fleet.set(at, new Node(n.name(), n.labels(), List.of(), false, false));
                    }
                }
                List<Node> candidates = fleet.stream().filter(Node::canTakeCanary).toList();
                Set<String> names = candidates.stream().map(Node::name).collect(Collectors.toSet());
                Set<String> stillThere = current.stream().filter(names::contains).collect(Collectors.toSet());
                int count = NodeSelection.count(weight, fleet.size(), candidates.size());
                List<String> chosen = NodeSelection.select(candidates, stillThere, Set.of(), count, "rev", spread);
                assertThat(chosen).hasSize(count).doesNotHaveDuplicates();
                assertThat(names).containsAll(chosen);
                assertThat(chosen).as("run %d at %d%%: every node still able to stays chosen", run, weight)
                        .containsAll(stillThere);
                current = Set.copyOf(chosen);
            }
        }
    }

    @Test
    void nodesThatJoinedDuringTheStepAreNotChosen() {
        List<Node> fleet = fleet(10);
        Set<String> newcomers = fleet.stream().map(Node::name).filter(n -> !n.equals("edge-0003"))
                .collect(Collectors.toSet());
        assertThat(NodeSelection.select(fleet, Set.of(), newcomers, 1, "rev", null)).containsExactly("edge-0003");
        assertThat(NodeSelection.select(fleet, Set.of(), newcomers, 2, "rev", null))
                .as("no other node may be chosen").containsExactly("edge-0003");
    }

    @Test
    void aStepThatShrinksKeepsTheNodesFirstInTheNewOrder() {
        List<Node> fleet = fleet(100);
        List<String> order = NodeSelection.order(fleet, "rev2", null);
        Set<String> current = Set.of(order.get(40), order.get(7), order.get(90));
        assertThat(NodeSelection.select(fleet, current, Set.of(), 1, "rev2", null)).containsExactly(order.get(7));
    }

    @Test
    void withSpreadAZoneThatLostItsCanaryNodeGetsTheNextOne() {
        List<Node> fleet = fleet(30, "a", "b", "c");
        List<String> chosen = chosen(fleet, 10, "rev", ZONE); // 3 nodes, one per zone
        Map<String, String> zoneOf = new HashMap<>();
        fleet.forEach(n -> zoneOf.put(n.name(), n.labels().get(ZONE)));
        String lostInA = chosen.stream().filter(n -> zoneOf.get(n).equals("a")).findFirst().orElseThrow();
        List<Node> without = fleet.stream().filter(n -> !n.name().equals(lostInA)).toList();
        Set<String> kept = chosen.stream().filter(n -> !n.equals(lostInA)).collect(Collectors.toSet());
        List<String> now = NodeSelection.select(without, kept, Set.of(), 3, "rev", ZONE);
        assertThat(now).containsAll(kept).hasSize(3);
        assertThat(now.stream().map(zoneOf::get).toList()).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void theDaemonSetControllersTolerationsHaveEffects() {
        Node notReady = new Node("down", Map.of(), List.of(new Taint(NodePlacement.NOT_READY, null, "NoSchedule"),
                new Taint(NodePlacement.NOT_READY, null, "NoExecute")), false, false);
        Node drained = new Node("drained", Map.of(), List.of(new Taint("ToBeDeletedByClusterAutoscaler", "1",
                "NoSchedule")), false, true);
        Node evicting = new Node("evicting", Map.of(), List.of(new Taint("maintenance", "", "NoExecute")), false,
                true);
        Node noNetwork = new Node("net", Map.of(), List.of(new Taint("node.kubernetes.io/network-unavailable", null,
                "NoSchedule")), false, true);
        NodePlacement plain = new NodePlacement(Map.of(), List.of(), List.of());
        assertThat(plain.admits(notReady)).as("no new pod on a NotReady node").isFalse();
        assertThat(plain.keepsPod(notReady)).as("but its pod stays, and it stays in the fleet").isTrue();
        assertThat(plain.admits(drained)).isFalse();
        assertThat(plain.keepsPod(drained)).as("NoSchedule does not evict").isTrue();
        assertThat(plain.keepsPod(evicting)).as("an untolerated NoExecute taint evicts").isFalse();
        assertThat(plain.admits(noNetwork)).as("network-unavailable is tolerated by host-network pods only")
                .isFalse();
        assertThat(new NodePlacement(null, Map.of(), List.of(), List.of(), true).admits(noNetwork)).isTrue();
    }

    @Test
    void matchFieldsAndNodeNamePinNodes() {
        Node n0 = new Node("n0", Map.of(), List.of(), false, true);
        Node n1 = new Node("n1", Map.of(), List.of(), false, true);
        NodePlacement byField = new NodePlacement(Map.of(), List.of(List.of(new Requirement("metadata.name", "In",
                List.of("n0"), true))), List.of());
        assertThat(byField.admits(n0)).isTrue();
        assertThat(byField.admits(n1)).isFalse();
        NodePlacement byName = new NodePlacement("n1", Map.of(), List.of(), List.of(), false);
        assertThat(byName.admits(n0)).isFalse();
        assertThat(byName.admits(n1)).isTrue();
    }
}
