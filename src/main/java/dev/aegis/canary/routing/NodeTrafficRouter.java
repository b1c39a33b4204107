package dev.aegis.canary.routing;

import static dev.aegis.canary.rollout.RouteStatus.Unit.NODES;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;

import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.workload.DaemonSetWorkloads;

/**
 * The {@code nodes} router, for DaemonSets: "w% of traffic" is w% of the nodes the DaemonSet runs on. At weight w,
 * ceil(w% × eligible) nodes (at least one) run the canary, chosen by {@link NodeSelection}; nodes move between the
 * versions by their label, never more at once than the DaemonSet's maxUnavailable allows, counting nodes still
 * coming back from earlier moves. A canary node that goes NotReady or leaves stays in the set until the next step,
 * when it is replaced.
 */
@ApplicationScoped
public class NodeTrafficRouter {

    private final DaemonSetWorkloads workloads;

    public NodeTrafficRouter(DaemonSetWorkloads workloads) {
        this.workloads = workloads;
    }

    /** The fleet as this reconcile sees it. */
    public record Fleet(List<NodePlacement.Node> eligible, Set<String> canary, Map<String, Node> byName) {

        public static Fleet of(DaemonSet target, String label, List<Node> nodes) {
            NodePlacement placement = DaemonSetWorkloads.placement(target, label);
            List<NodePlacement.Node> eligible = new ArrayList<>();
            Set<String> canary = new HashSet<>();
            Map<String, Node> byName = new LinkedHashMap<>();
            for (Node n : nodes) {
                byName.put(n.getMetadata().getName(), n);
                NodePlacement.Node node = DaemonSetWorkloads.node(n);
                if (placement.admits(node)) {
                    eligible.add(node);
                }
                if (DaemonSetWorkloads.CANARY.equals(node.labels().get(label))) {
                    canary.add(node.name());
                }
            }
            return new Fleet(eligible, canary, byName);
        }

        public int size() {
            return eligible.size();
        }

        /** Eligible nodes that run the canary. */
        public List<String> canaryNodes() {
            return eligible.stream().map(NodePlacement.Node::name).filter(canary::contains).sorted().toList();
        }

        /** Eligible nodes that run the primary. */
        public List<String> primaryNodes() {
            return eligible.stream().map(NodePlacement.Node::name).filter(n -> !canary.contains(n)).sorted().toList();
        }

        public int ready(boolean onCanary) {
            return (int) eligible.stream().filter(n -> n.ready() && canary.contains(n.name()) == onCanary).count();
        }

        int notReady() {
            return (int) eligible.stream().filter(n -> !n.ready()).count();
        }
    }

    /**
     * Moves nodes towards the intent: the step's node set for SPLIT, no canary node for anything else.
     *
     * @param spreadBy node label to spread the canary nodes over, or null
     */
    public RouteStatus apply(DaemonSet target, DaemonSet primary, Fleet fleet, String label, TrafficIntent intent,
            String canaryRevision, String spreadBy) {
        List<String> desired = intent.kind() == TrafficIntent.Kind.SPLIT
                ? stepNodes(fleet, intent.weight(), canaryRevision, spreadBy)
                : List.of();
        int canaryOnEligible = fleet.canaryNodes().size();
        boolean caughtUp = DaemonSetWorkloads.isCurrent(target) && DaemonSetWorkloads.isCurrent(primary)
                && DaemonSetWorkloads.desired(target) == canaryOnEligible
                && DaemonSetWorkloads.desired(primary) == fleet.size() - canaryOnEligible;
        int maxUnavailable = NodeMoves.maxUnavailable(DaemonSetWorkloads.maxUnavailable(target), fleet.size());
        // NotReady nodes are unavailable whatever the controller does; they do not use up the budget.
        int unavailable = Math.max(0, DaemonSetWorkloads.desired(target) - DaemonSetWorkloads.available(target)
                + DaemonSetWorkloads.desired(primary) - DaemonSetWorkloads.available(primary) - fleet.notReady());
        int budget = caughtUp ? maxUnavailable - unavailable : 0;
        NodeMoves moves = NodeMoves.next(fleet.canary(), desired, budget);
        workloads.relabel(moves.toCanary().stream().map(fleet.byName()::get).toList(),
                moves.toPrimary().stream().map(fleet.byName()::get).toList(), label);
        int canaryAfter = canaryOnEligible + moves.toCanary().size()
                - (int) moves.toPrimary().stream().filter(n -> fleet.eligible().stream()
                        .anyMatch(e -> e.name().equals(n))).count();
        int effective = fleet.size() == 0 ? 0 : (int) Math.round(100.0 * canaryAfter / fleet.size());
        boolean targetDone = DaemonSetWorkloads.isRolledOut(target, fleet.ready(true));
        boolean primaryDone = DaemonSetWorkloads.isRolledOut(primary, fleet.ready(false));
        if (moves.isDone() && caughtUp && targetDone && primaryDone) {
            return RouteStatus.reached(effective, canaryAfter, fleet.size(), NODES);
        }
        String waiting;
        if (!moves.isDone()) {
            waiting = "nodes to move: " + (moves.remaining() + moves.toCanary().size() + moves.toPrimary().size())
                    + " left, at most " + maxUnavailable + " at a time (maxUnavailable)";
        } else if (!caughtUp) {
            waiting = "the DaemonSets to follow the node labels";
        } else if (!targetDone) {
            waiting = "canary: " + DaemonSetWorkloads.available(target) + "/" + fleet.ready(true) + " nodes ready";
        } else {
            waiting = "primary: " + DaemonSetWorkloads.available(primary) + "/" + fleet.ready(false)
                    + " nodes ready";
        }
        return RouteStatus.waiting(effective, canaryAfter, fleet.size(), NODES, waiting);
    }

    /**
     * The step's canary nodes: the nodes running it now if they are still as many as the step wants and all still
     * eligible (a step keeps its nodes); otherwise the step's prefix of the selection order.
     */
    static List<String> stepNodes(Fleet fleet, int weight, String revision, String spreadBy) {
        List<NodePlacement.Node> candidates = fleet.eligible().stream().filter(NodePlacement.Node::canTakeCanary)
                .toList();
        int count = NodeSelection.count(weight, fleet.size(), candidates.size());
        List<String> current = fleet.canaryNodes();
        if (current.size() == count && current.size() == fleet.canary().size()) {
            return current;
        }
        return NodeSelection.order(candidates, revision, spreadBy).subList(0, count);
    }
}
