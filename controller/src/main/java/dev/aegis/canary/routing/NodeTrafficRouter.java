package dev.aegis.canary.routing;

import static dev.aegis.canary.rollout.RouteStatus.Unit.NODES;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Node;

import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.workload.DaemonSetWorkloads;

/**
 * The {@code nodes} router, for DaemonSets: "w% of traffic" is w% of the nodes the DaemonSet runs on. At weight w,
 * ceil(w% × fleet) nodes (at least one) run the canary, chosen by {@link NodeSelection} among the nodes that are
 * Ready and not cordoned; nodes move between the versions by their label, within the DaemonSet's maxUnavailable
 * ({@link NodeMoves}).
 *
 * <p>
 * While a step is being reached its node set grows from the nodes already on the canary; once reached it keeps its
 * nodes until the next step: a node that joins runs the primary, and a canary node that leaves, goes NotReady or is
 * cordoned is replaced at once by another (within maxUnavailable), so the step's share holds. A step is reached when
 * every node is labelled as the step wants and every node that is up runs its version's current pod, ready, and
 * nothing else.
 */
@ApplicationScoped
public class NodeTrafficRouter {

    private static final Logger LOG = Logger.getLogger(NodeTrafficRouter.class);

    /** How many nodes a waiting message names. */
    private static final int NAMED = 3;

    private final DaemonSetWorkloads workloads;

    public NodeTrafficRouter(DaemonSetWorkloads workloads) {
        this.workloads = workloads;
    }

    /**
     * Where the nodes should be.
     *
     * @param kind which nodes run the canary
     * @param weight the step's weight (SPLIT)
     * @param revision the revision under test: it draws the selection order (SPLIT)
     * @param spreadBy node label to spread canary nodes over, or null (SPLIT)
     * @param growing the step is not reached yet, so its node set may still grow or shrink (SPLIT)
     * @param stepStartedAt nodes that joined after this wait for the next step (SPLIT)
     */
    public record Goal(Kind kind, int weight, String revision, String spreadBy, boolean growing,
            Instant stepStartedAt) {

        public enum Kind {
            /** Every node runs the primary. */
            PRIMARY,
            /** The step's share of the nodes runs the canary. */
            SPLIT,
            /** Every node runs the target: how a Canary deleted before its first initialization hands back. */
            CANARY
        }

        public static Goal primary() {
            return new Goal(Kind.PRIMARY, 0, null, null, false, null);
        }

        public static Goal canary() {
            return new Goal(Kind.CANARY, 100, null, null, false, null);
        }

        public static Goal split(int weight, String revision, String spreadBy, boolean growing,
                Instant stepStartedAt) {
            return new Goal(Kind.SPLIT, weight, revision, spreadBy, growing, stepStartedAt);
        }
    }

    /** One reconcile's node moves and what is in effect once they are made. */
    public record Plan(NodeMoves moves, RouteStatus route) {
    }

    /**
     * Moves nodes towards the goal, as far as the budget allows, and reports what is in effect.
     *
     * @param fleet every node of the fleet, and any other node that carries the label
     * @param byName the Node objects, to patch
     * @param notCaughtUp why the DaemonSets cannot be trusted yet (they have not seen their specs), or null
     */
    public RouteStatus apply(List<NodeView> fleet, List<Node> byName, String label, Goal goal, int maxUnavailable,
            String notCaughtUp) {
        Plan plan = plan(fleet, goal, maxUnavailable, notCaughtUp);
        if (plan.moves().moved()) {
            if (LOG.isDebugEnabled()) {
                LOG.debugf("%s: %d nodes to the canary, %d to the primary (%d unavailable before, at most %d): %s",
                        label, plan.moves().toCanary().size(), plan.moves().toPrimary().size(),
                        plan.moves().unavailable(), maxUnavailable, fleet.stream().filter(n -> plan.moves()
                                .toCanary().contains(n.name()) || plan.moves().toPrimary().contains(n.name()))
                                .limit(5).toList());
            }
            Set<String> toCanary = Set.copyOf(plan.moves().toCanary());
            Set<String> toPrimary = Set.copyOf(plan.moves().toPrimary());
            workloads.relabel(byName.stream().filter(n -> toCanary.contains(n.getMetadata().getName())).toList(),
                    byName.stream().filter(n -> toPrimary.contains(n.getMetadata().getName())).toList(), label);
        }
        return plan.route();
    }

    /** The moves towards the goal and what is in effect once they are made: pure. */
    public static Plan plan(List<NodeView> fleet, Goal goal, int maxUnavailable, String notCaughtUp) {
        List<NodeView> members = fleet.stream().filter(NodeView::belongs).toList();
        List<String> desired = desired(fleet, members, goal);
        NodeMoves moves = NodeMoves.next(fleet, desired, maxUnavailable, notCaughtUp != null);
        Set<String> canaryAfter = members.stream().filter(NodeView::onCanary).map(NodeView::name)
                .collect(Collectors.toCollection(HashSet::new));
        canaryAfter.addAll(moves.toCanary());
        moves.toPrimary().forEach(canaryAfter::remove);
        int total = members.size();
        // The canary's real share: its nodes that serve it now, not those labelled for it.
        int serving = (int) members.stream().filter(NodeView::servesCanary).count();
        int effective = total == 0 ? 0 : (int) Math.round(100.0 * serving / total);
        String waiting = waitingFor(members, goal, desired, moves, maxUnavailable, notCaughtUp);
        RouteStatus route = waiting == null
                ? RouteStatus.reached(effective, canaryAfter.size(), total, NODES)
                : RouteStatus.waiting(effective, canaryAfter.size(), total, NODES, waiting).withCanaryServing(
                        serving);
        return new Plan(moves, moves.moved() ? route.withProgress() : route);
    }

    /** The nodes that should run the canary, in the order to move them. */
    static List<String> desired(List<NodeView> fleet, List<NodeView> members, Goal goal) {
        return switch (goal.kind()) {
            case PRIMARY -> List.of();
            case CANARY -> members.stream().map(NodeView::name).sorted().toList();
            case SPLIT -> {
                Set<String> current = fleet.stream().filter(NodeView::onCanary).map(NodeView::name)
                        .collect(Collectors.toSet());
                List<NodePlacement.Node> candidates = members.stream().filter(NodeView::candidate)
                        .map(n -> new NodePlacement.Node(n.name(), n.labels(), List.of(), false, true)).toList();
                Set<String> newcomers = members.stream().filter(n -> goal.stepStartedAt() != null
                        && n.created() != null && n.created().isAfter(goal.stepStartedAt()))
                        .map(NodeView::name).collect(Collectors.toSet());
                int count = NodeSelection.count(goal.weight(), members.size(), candidates.size());
                if (!goal.growing()) {
                    // A reached step keeps the canary nodes that can still serve it, never fewer than its share: a
                    // canary node that left, went NotReady or was cordoned is replaced at once (it goes back to the
                    // primary), so the canary is never measured on fewer nodes than the step claims.
                    count = Math.max(count, (int) members.stream()
                            .filter(n -> n.candidate() && current.contains(n.name())).count());
                }
                yield NodeSelection.select(candidates, current, newcomers, count, goal.revision(),
                        goal.spreadBy());
            }
        };
    }

    /** What the goal still waits for, or null when it is reached. */
    private static String waitingFor(List<NodeView> members, Goal goal, List<String> desired, NodeMoves moves,
            int maxUnavailable, String notCaughtUp) {
        if (goal.kind() == Goal.Kind.SPLIT && goal.weight() > 0 && desired.isEmpty()) {
            return "a node that can take the canary: all " + members.size()
                    + " nodes are NotReady, cordoned or tainted NoSchedule";
        }
        if (!moves.isDone()) {
            int left = moves.remaining() + moves.toCanary().size() + moves.toPrimary().size();
            return "nodes to move: " + left + " left, at most " + maxUnavailable + " unavailable at a time "
                    + "(maxUnavailable), " + moves.unavailable() + " unavailable now";
        }
        if (notCaughtUp != null) {
            return notCaughtUp;
        }
        List<String> unsettled = new ArrayList<>();
        int count = 0;
        for (NodeView n : members) {
            if (n.up() && !n.settled()) {
                if (count++ < NAMED) {
                    unsettled.add(n.name() + " (" + describe(n) + ")");
                }
            }
        }
        if (count == 0) {
            return null;
        }
        return "pods on " + count + (count == 1 ? " node: " : " nodes: ") + String.join(", ", unsettled)
                + (count > NAMED ? ", ..." : "");
    }

    private static String describe(NodeView n) {
        String version = n.onCanary() ? "canary" : "primary";
        return switch (n.expected()) {
            case NONE -> version + " pod not created yet";
            case TERMINATING -> version + " pod being deleted";
            case STARTING -> version + " pod not ready";
            case STALE -> version + " pod on an older template";
            case READY -> (n.onCanary() ? "primary" : "canary") + " pod still there";
        };
    }
}
