package dev.aegis.canary.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.routing.NodeTrafficRouter.Goal;
import dev.aegis.canary.routing.NodeTrafficRouter.Plan;
import dev.aegis.canary.routing.NodeView.Pod;

/** The nodes router's decisions on a per-node view: which nodes move, within which budget, and when a step is done. */
class NodeTrafficRouterTest {

    static final Instant START = Instant.parse("2026-11-23T10:00:00Z");

    /** A node settled on the primary. */
    static NodeView primary(String name) {
        return new NodeView(name, Map.of(), START.minusSeconds(3600), true, true, false, false, Pod.NONE, Pod.READY);
    }

    /** A node settled on the canary. */
    static NodeView canary(String name) {
        return new NodeView(name, Map.of(), START.minusSeconds(3600), true, true, false, true, Pod.READY, Pod.NONE);
    }

    static NodeView with(NodeView n, UnaryOperator<NodeView> change) {
        return change.apply(n);
    }

    static NodeView down(NodeView n) {
        return new NodeView(n.name(), n.labels(), n.created(), true, false, n.cordoned(), n.onCanary(), n.canaryPod(),
                n.primaryPod());
    }

    static NodeView pods(NodeView n, Pod canaryPod, Pod primaryPod) {
        return new NodeView(n.name(), n.labels(), n.created(), n.belongs(), n.up(), n.cordoned(), n.onCanary(),
                canaryPod, primaryPod);
    }

    /** n nodes n00.., the first k on the canary. */
    static List<NodeView> fleet(int n, int k) {
        List<NodeView> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("n%02d", i);
            out.add(i < k ? canary(name) : primary(name));
        }
        return out;
    }

    @Test
    void aRollbackIsNotHeldByANotReadyNodeAndDownNodesMoveForFree() {
        List<NodeView> nodes = fleet(10, 3);
        nodes.set(9, down(nodes.get(9))); // an unrelated node down, its pod gone
        nodes.set(9, pods(nodes.get(9), Pod.NONE, Pod.NONE));
        nodes.set(2, down(nodes.get(2))); // a canary node down
        Plan plan = NodeTrafficRouter.plan(nodes, Goal.primary(), 1, null);
        assertThat(plan.moves().toPrimary()).as("the down canary node is free; one more within maxUnavailable")
                .containsExactlyInAnyOrder("n02", "n00");
        assertThat(plan.route().reached()).isFalse();
        assertThat(plan.route().progressed()).isTrue();
        assertThat(plan.route().canary()).isEqualTo(1);
    }

    @Test
    void aNodeJustMovedCountsAsUnavailableUntilItsNewPodIsReady() {
        List<NodeView> nodes = fleet(10, 0);
        // n00 was labelled a moment ago: its primary pod still runs, its canary pod does not exist yet.
        nodes.set(0, pods(canary("n00"), Pod.NONE, Pod.READY));
        Plan plan = NodeTrafficRouter.plan(nodes, Goal.split(50, "rev", null, true, START), 1, null);
        assertThat(plan.moves().unavailable()).isEqualTo(1);
        assertThat(plan.moves().toCanary()).isEmpty();
        assertThat(plan.route().waitingFor()).contains("nodes to move: 4 left, at most 1 unavailable at a time");

        // A swap (one node off, one on) spends the budget once per serving node, counts or no counts.
        List<NodeView> swapping = fleet(10, 1);
        Plan swap = NodeTrafficRouter.plan(swapping, Goal.split(10, "other-revision", null, true, START), 2, null);
        assertThat(swap.moves().toPrimary().size() + swap.moves().toCanary().size()).isLessThanOrEqualTo(2);
    }

    @Test
    void aStepIsReachedOnlyWhenEveryUpNodeRunsItsVersionAlone() {
        List<NodeView> nodes = fleet(4, 2);
        nodes.set(1, pods(nodes.get(1), Pod.READY, Pod.TERMINATING));
        Goal keep = Goal.split(50, "rev", null, false, START);
        Plan plan = NodeTrafficRouter.plan(nodes, keep, 1, null);
        assertThat(plan.route().reached()).isFalse();
        assertThat(plan.route().waitingFor()).isEqualTo("pods on 1 node: n01 (primary pod still there)");

        nodes.set(1, pods(nodes.get(1), Pod.STALE, Pod.NONE));
        assertThat(NodeTrafficRouter.plan(nodes, keep, 1, null).route().waitingFor())
                .isEqualTo("pods on 1 node: n01 (canary pod on an older template)");

        nodes.set(1, canary("n01"));
        nodes.set(3, down(pods(nodes.get(3), Pod.NONE, Pod.STARTING)));
        RouteStatus route = NodeTrafficRouter.plan(nodes, keep, 1, null).route();
        assertThat(route.reached()).as("a down node does not hold the step").isTrue();
        assertThat(route.detail()).isEqualTo("2/4 nodes");
        assertThat(route.effectiveWeight()).isEqualTo(50);
    }

    @Test
    void aReachedStepReplacesACanaryNodeThatGoesDownAtOnce() {
        List<NodeView> nodes = fleet(10, 1);
        nodes.set(0, down(nodes.get(0)));
        nodes.add(new NodeView("joined", Map.of(), START.plusSeconds(5), true, true, false, false, Pod.NONE,
                Pod.READY));
        Plan replaced = NodeTrafficRouter.plan(nodes, Goal.split(10, "rev", null, false, START), 1, null);
        assertThat(replaced.moves().toPrimary()).as("the NotReady canary node goes, for free").containsExactly(
                "n00");
        assertThat(replaced.moves().toCanary()).as("another takes its place, not one that joined mid-step")
                .hasSize(1).doesNotContain("joined", "n00");
        assertThat(replaced.route().reached()).isFalse();
        assertThat(replaced.route().effectiveWeight()).as("no canary node serves yet").isZero();
        assertThat(replaced.route().canaryServing()).isZero();
        assertThat(replaced.route().detail()).isEqualTo("1/11 nodes");

        Plan next = NodeTrafficRouter.plan(nodes, Goal.split(20, "rev", null, true, START.plusSeconds(10)), 1,
                null);
        assertThat(next.moves().toPrimary()).as("the next step too").containsExactly("n00");
        assertThat(next.moves().toCanary()).hasSize(1);

        Plan sameStep = NodeTrafficRouter.plan(nodes, Goal.split(20, "rev", null, true, START), 5, null);
        assertThat(sameStep.moves().toCanary()).as("a node that joined during the step runs the primary")
                .doesNotContain("joined").hasSize(3);
    }

    @Test
    void whenAFifthOfTheFleetIsReplacedMidStepTheCanaryGetsItsShareBackOnNodesThatWereThere() {
        // 100 nodes at 10%: n00..n09 run the canary. n00..n19 leave (every canary node among them), 20 join.
        List<NodeView> nodes = new ArrayList<>();
        for (NodeView n : fleet(100, 10)) {
            int i = Integer.parseInt(n.name().substring(1));
            nodes.add(i < 20
                    ? new NodeView(n.name(), n.labels(), n.created(), false, false, false, n.onCanary(), Pod.NONE,
                            Pod.NONE)
                    : n);
        }
        for (int i = 0; i < 20; i++) {
            nodes.add(new NodeView("new" + i, Map.of(), START.plusSeconds(30), true, true, false, false, Pod.NONE,
                    Pod.READY));
        }
        Goal step = Goal.split(10, "rev", null, false, START);
        Plan plan = NodeTrafficRouter.plan(nodes, step, 10, null);
        assertThat(plan.moves().toPrimary()).as("the nodes that left lose their label").hasSize(10);
        assertThat(plan.moves().toCanary()).as("ten others take the canary at once, none of those that just joined")
                .hasSize(10).allSatisfy(n -> assertThat(n).startsWith("n"));
        assertThat(plan.route().reached()).isFalse();
        assertThat(plan.route().canaryGone()).as("nothing of the canary serves until they are ready").isTrue();
        assertThat(plan.route().effectiveWeight()).isZero();

        // The DaemonSet controllers follow: the chosen nodes run the canary, ready.
        List<NodeView> after = new ArrayList<>();
        for (NodeView n : nodes) {
            after.add(plan.moves().toCanary().contains(n.name())
                    ? new NodeView(n.name(), n.labels(), n.created(), true, true, false, true, Pod.READY, Pod.NONE)
                    : plan.moves().toPrimary().contains(n.name())
                            ? new NodeView(n.name(), n.labels(), n.created(), false, false, false, false, Pod.NONE,
                                    Pod.NONE)
                            : pods(n, Pod.NONE, Pod.READY));
        }
        RouteStatus restored = NodeTrafficRouter.plan(after, step, 10, null).route();
        assertThat(restored.reached()).isTrue();
        assertThat(restored.detail()).isEqualTo("10/100 nodes");
        assertThat(restored.effectiveWeight()).isEqualTo(10);
    }

    @Test
    void aNodeThatLeftTheFleetLosesItsLabelAtOnce() {
        List<NodeView> nodes = fleet(4, 2);
        NodeView gone = nodes.get(0);
        nodes.set(0, new NodeView(gone.name(), gone.labels(), gone.created(), false, true, false, true, Pod.NONE,
                Pod.NONE));
        Plan plan = NodeTrafficRouter.plan(nodes, Goal.split(50, "rev", null, false, START), 1, null);
        assertThat(plan.moves().toPrimary()).containsExactly("n00");
        assertThat(plan.route().total()).isEqualTo(3);
    }

    @Test
    void aStepWithNoNodeThatCanTakeTheCanaryWaitsInsteadOfPassingEmpty() {
        List<NodeView> nodes = fleet(3, 0).stream().map(NodeTrafficRouterTest::down).toList();
        RouteStatus route = NodeTrafficRouter.plan(nodes, Goal.split(10, "rev", null, true, START), 1, null)
                .route();
        assertThat(route.reached()).isFalse();
        assertThat(route.waitingFor()).startsWith("a node that can take the canary: all 3 nodes are NotReady");
    }

    @Test
    void onANewRevisionNodesTheDaemonSetIsAboutToRestartGoBackFirst() {
        List<NodeView> nodes = fleet(6, 4);
        nodes.set(3, pods(nodes.get(3), Pod.STALE, Pod.NONE));
        Plan plan = NodeTrafficRouter.plan(nodes, Goal.primary(), 1, null);
        assertThat(plan.moves().toPrimary()).containsExactly("n03");
    }

    @Test
    void whileADaemonSetHasNotSeenItsSpecOnlyFreeMovesAreMade() {
        List<NodeView> nodes = fleet(4, 2);
        nodes.set(1, down(nodes.get(1)));
        Plan plan = NodeTrafficRouter.plan(nodes, Goal.primary(), 2, "the DaemonSet controller to see x");
        assertThat(plan.moves().toPrimary()).containsExactly("n01");
        assertThat(plan.route().waitingFor()).contains("nodes to move: 2 left");
        Plan later = NodeTrafficRouter.plan(fleet(4, 0), Goal.primary(), 2, "the DaemonSet controller to see x");
        assertThat(later.route().waitingFor()).isEqualTo("the DaemonSet controller to see x");
    }

    @Test
    void handingBackBeforeInitializationPutsEveryNodeOnTheTarget() {
        List<NodeView> nodes = fleet(5, 2);
        Plan plan = NodeTrafficRouter.plan(nodes, Goal.canary(), 2, null);
        assertThat(plan.moves().toCanary()).containsExactly("n02", "n03");
        assertThat(Set.copyOf(plan.moves().toPrimary())).isEmpty();
    }
}
