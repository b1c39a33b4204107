package dev.aegis.canary.reconcile;

import static dev.aegis.canary.rollout.RouteStatus.Unit.NODES;

import java.time.Instant;
import java.util.List;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;

import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.notify.Notification;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.routing.NodeMoves;
import dev.aegis.canary.routing.NodeTrafficRouter;
import dev.aegis.canary.routing.NodeTrafficRouter.Goal;
import dev.aegis.canary.routing.NodeView;
import dev.aegis.canary.workload.DaemonSetWorkloads;
import dev.aegis.canary.workload.Ownership;
import dev.aegis.canary.workload.PodNames;
import dev.aegis.canary.workload.Regexes;
import dev.aegis.canary.workload.Revisions;

/**
 * A DaemonSet target, rolled out node by node: the primary copy runs on every node but the canary's, the Git-owned
 * target only on the canary's.
 *
 * <p>
 * First sight moves the fleet from the target to the primary without a node ever running two versions: every node
 * of the fleet is labelled for the canary first (the target still runs everywhere), then the target gets the
 * controller's node affinity term (one rolling restart of its pods, by the DaemonSet controller at its
 * maxUnavailable), the primary is created (on no node yet), and the labels come off within maxUnavailable, each
 * node swapping its target pod for a primary pod.
 */
final class DaemonSetWorkload implements Workload {

    /** The beans a DaemonSet workload works with. */
    record Tools(DaemonSetWorkloads ops, NodeTrafficRouter router, Ownership ownership) {
    }

    private static final String RESTARTING = "the target's pods to restart with the controller's node affinity term"
            + " and pod label";

    private final Canary canary;
    private final DaemonSet target;
    private final DaemonSet primary;
    private final String label;
    private final List<Node> nodes;
    private final List<NodeView> fleet;
    private final List<Pod> targetPods;
    private final List<Pod> primaryPods;
    private final String targetRevision;
    private final Tools tools;

    private DaemonSetWorkload(Canary canary, DaemonSet target, DaemonSet primary, Cache cache, Tools tools) {
        this.canary = canary;
        this.target = target;
        this.primary = primary;
        this.label = DaemonSetWorkloads.nodeLabel(canary);
        this.nodes = cache.nodes();
        String namespace = target.getMetadata().getNamespace();
        this.targetPods = cache.pods(namespace, target.getMetadata().getName());
        this.primaryPods = primary == null ? List.of() : cache.pods(namespace, primary.getMetadata().getName());
        this.fleet = DaemonSetWorkloads.view(nodes, targetPods, primaryPods, target, primary, label);
        this.targetRevision = Revisions.of(DaemonSetWorkloads.gitTemplate(target, label));
        this.tools = tools;
    }

    static Workloads.Found find(Canary canary, Cache cache, Tools tools) {
        String namespace = canary.getMetadata().getNamespace();
        String targetName = canary.getSpec().getTargetRef().getName();
        DaemonSet target = cache.targetDaemonSet(namespace, targetName);
        if (target == null) {
            return Workloads.Found.problem("spec.targetRef: DaemonSet '" + targetName + "' not found in namespace "
                    + namespace);
        }
        DaemonSet primary = cache.daemonSet(namespace, DaemonSetWorkloads.primaryName(targetName));
        if (primary != null && !Ownership.isOwnedBy(primary, canary)) {
            return Workloads.Found.problem("DaemonSet '" + primary.getMetadata().getName()
                    + "' exists and was not created for this Canary; the primary copy needs that name");
        }
        String strategy = DaemonSetWorkloads.strategyProblem(target);
        if (strategy != null) {
            return Workloads.Found.problem(strategy);
        }
        String label = DaemonSetWorkloads.nodeLabel(canary);
        String restriction = DaemonSetWorkloads.restrictionProblem(target, label);
        if (restriction != null && primary != null) {
            // Git took over the target's node affinity mid-run: the target runs beside the primary. Say so rather
            // than fight Git over a field it owns.
            return Workloads.Found.problem(restriction);
        }
        return Workloads.Found.of(new DaemonSetWorkload(canary, target, primary, cache, tools));
    }

    @Override
    public String targetRevision() {
        return targetRevision;
    }

    @Override
    public Integer gitReplicas() {
        return null;
    }

    @Override
    public String primaryRevision() {
        return primary == null ? null : DaemonSetWorkloads.primaryRevision(primary);
    }

    @Override
    public Notification.Images images() {
        return new Notification.Images(primary == null ? null : Workload.images(primary.getSpec().getTemplate()),
                Workload.images(target.getSpec().getTemplate()));
    }

    @Override
    public String primaryStatus() {
        long members = fleet.stream().filter(NodeView::belongs).count();
        long onPrimary = fleet.stream().filter(n -> n.belongs() && !n.onCanary()).count();
        long ready = fleet.stream().filter(n -> n.belongs() && !n.onCanary() && n.settled()).count();
        String status = ready + "/" + onPrimary + " nodes ready";
        return members == onPrimary ? status : status + ", " + (members - onPrimary) + " still on the canary";
    }

    @Override
    public boolean primaryReady(TrafficIntent intent, RouteStatus route) {
        if (primary == null) {
            return false;
        }
        // Initialization and promotion end when every node is back on the primary and ready.
        if (intent.kind() == TrafficIntent.Kind.INITIALIZE || intent.kind() == TrafficIntent.Kind.PROMOTE) {
            return route.reached();
        }
        return fleet.stream().filter(n -> n.belongs() && n.up() && !n.onCanary()).allMatch(NodeView::settled);
    }

    @Override
    public RouteStatus apply(TrafficIntent intent, CanaryStatus status, List<RolloutEvent> told) {
        String canaryRevision = status != null && status.getCanaryRevision() != null
                ? status.getCanaryRevision()
                : targetRevision;
        if (intent.kind() == TrafficIntent.Kind.HOLD) {
            return current("");
        }
        if (intent.kind() == TrafficIntent.Kind.INITIALIZE && primary == null) {
            return firstSight(status, told);
        }
        tools.ownership().adopt(canary, primary);
        if (!DaemonSetWorkloads.isRestricted(target, label)) {
            // The controller's term went (a replace, a recreate, an edit): put it back, or the target runs beside
            // the primary on every node.
            told.add(RolloutEvent.warning("TargetRestricted", "the target DaemonSet lost the controller's node "
                    + "affinity term for " + label + "; it is put back"));
            tools.ops().restrictTarget(target, label);
            return current("the target to be restricted to canary nodes again");
        }
        if (unseenTargetPods()) {
            // Pods from a template without the controller's pod label are not watched: a node would look empty and
            // move for free. Nothing moves until the DaemonSet controller has replaced them.
            return restarting();
        }
        return switch (intent.kind()) {
            // The target's own rolling restart (for the restriction) goes first: moves made during it would add to
            // the nodes it takes down.
            case INITIALIZE -> DaemonSetWorkloads.isUpdated(target)
                    ? route(Goal.primary())
                    : route(Goal.primary(), RESTARTING).withWorldProgressAt(Workload.newest(targetPods));
            case STABLE -> route(Goal.primary());
            case PROMOTE -> {
                if (targetRevision.equals(canaryRevision)) {
                    tools.ops().promote(primary, target, targetRevision, label);
                }
                if (!canaryRevision.equals(DaemonSetWorkloads.primaryRevision(primary))) {
                    yield current("the primary to take revision " + canaryRevision);
                }
                // Likewise the primary's rolling update to the promoted template, on its own nodes.
                yield DaemonSetWorkloads.isUpdated(primary)
                        ? route(Goal.primary())
                        : route(Goal.primary(), "the primary to roll out revision " + canaryRevision
                                + " on its nodes").withWorldProgressAt(Workload.newest(primaryPods));
            }
            case SPLIT -> route(Goal.split(intent.weight(), canaryRevision, spreadBy(),
                    status == null || status.getStepReadyAt() == null,
                    status == null || status.getStepStartedAt() == null
                            ? null
                            : Instant.parse(status.getStepStartedAt())));
            case HOLD -> current("");
        };
    }

    /**
     * No primary yet: label the fleet, restrict the target, create the primary; one of these per reconcile, each
     * once the previous one is seen.
     */
    private RouteStatus firstSight(CanaryStatus status, List<RolloutEvent> told) {
        if (!DaemonSetWorkloads.isRestricted(target, label)) {
            List<Node> unlabelled = nodes.stream().filter(n -> fleet.stream().anyMatch(v -> v.belongs()
                    && !v.onCanary() && v.name().equals(n.getMetadata().getName()))).toList();
            if (!unlabelled.isEmpty()) {
                // The target still runs on every node: labelling moves nothing yet.
                tools.ops().relabel(unlabelled, List.of(), label);
                return current("labelling " + unlabelled.size() + " nodes before the target is restricted")
                        .withProgress();
            }
            String problem = DaemonSetWorkloads.restrictionProblem(target, label);
            if (problem != null) {
                if (status == null || status.getMessage() == null || !status.getMessage().contains(problem)) {
                    told.add(RolloutEvent.warning("RestrictionInGit", problem));
                }
                return current(problem);
            }
            tools.ops().restrictTarget(target, label);
            return current("the target to be restricted to canary nodes");
        }
        if (!DaemonSetWorkloads.isUpdated(target) || unseenTargetPods()) {
            return restarting();
        }
        tools.ops().createPrimary(canary, target, DaemonSetWorkloads.gitTemplate(target, label), targetRevision,
                label);
        return current("the primary to be created");
    }

    /** Waiting for the DaemonSet controller's restart of the target: each pod it starts is progress. */
    private RouteStatus restarting() {
        return current(RESTARTING).withWorldProgressAt(Workload.newest(targetPods));
    }

    /** The target's status counts more nodes with a pod than the pods this controller sees. */
    private boolean unseenTargetPods() {
        int scheduled = target.getStatus() == null || target.getStatus().getCurrentNumberScheduled() == null
                ? 0
                : target.getStatus().getCurrentNumberScheduled();
        return fleet.stream().filter(n -> n.canaryPod() != NodeView.Pod.NONE).count() < scheduled;
    }

    private String spreadBy() {
        return canary.getSpec().getTraffic() == null || canary.getSpec().getTraffic().getNodes() == null
                ? null
                : canary.getSpec().getTraffic().getNodes().getSpreadBy();
    }

    private RouteStatus route(Goal goal) {
        return route(goal, null);
    }

    /** @param hold a rolling update to let finish before moving serving nodes, or null */
    private RouteStatus route(Goal goal, String hold) {
        int members = (int) fleet.stream().filter(NodeView::belongs).count();
        int maxUnavailable = NodeMoves.maxUnavailable(DaemonSetWorkloads.maxUnavailable(target), members);
        String notCaughtUp = DaemonSetWorkloads.notCaughtUp(target, primary);
        return tools.router().apply(fleet, nodes, label, goal, maxUnavailable, notCaughtUp != null
                ? notCaughtUp
                : hold);
    }

    @Override
    public RouteStatus current(String waitingFor) {
        int members = (int) fleet.stream().filter(NodeView::belongs).count();
        int canaryNodes = (int) fleet.stream().filter(n -> n.belongs() && n.onCanary()).count();
        int serving = (int) fleet.stream().filter(NodeView::servesCanary).count();
        int effective = members == 0 ? 0 : (int) Math.round(100.0 * serving / members);
        return RouteStatus.waiting(effective, canaryNodes, members, NODES, waitingFor);
    }

    @Override
    public PodScope podScope(String canaryRevision) {
        return new PodScope(PodNames.daemonSetRegex(target.getMetadata().getName()),
                PodNames.daemonSetRegex(DaemonSetWorkloads.primaryName(target.getMetadata().getName())),
                Regexes.anyOf(names(true)), Regexes.anyOf(names(false)));
    }

    private List<String> names(boolean onCanary) {
        return fleet.stream().filter(n -> n.belongs() && n.onCanary() == onCanary).map(NodeView::name).sorted()
                .toList();
    }

    /**
     * Canary deletion. Before the first initialization the fleet goes back to the target node by node, then the
     * primary goes and the target is unrestricted; after it, every node goes to the primary, which is then released
     * and serves alone.
     */
    @Override
    public RouteStatus release(CanaryStatus status) {
        boolean initialized = status != null && status.getStableRevision() != null;
        if (primary == null || !Ownership.isOwnedBy(primary, canary)) {
            // No primary serves: the target must run everywhere before any label comes off.
            tools.ops().unrestrictTarget(target, label);
            unlabelAll(nodes, label, tools);
            return current("").done();
        }
        if (!initialized) {
            if (DaemonSetWorkloads.keepsOffPrimaryNodes(target, label)) {
                if (!DaemonSetWorkloads.isRestricted(target, label)) {
                    tools.ops().restrictTarget(target, label); // its pods must be seen to move nodes
                    return current("the target's pods to carry the watch label");
                }
                RouteStatus route = route(Goal.canary());
                if (!route.reached()) {
                    return route;
                }
            }
            // Every node runs the target (or it is not restricted): the primary runs nowhere and can go.
            tools.ownership().delete(primary);
            return current("the primary to be deleted");
        }
        RouteStatus route = route(Goal.primary());
        if (!route.reached()) {
            return route;
        }
        tools.ownership().release(primary);
        return route.done();
    }

    /** Takes the Canary's label off every node that carries it, at once. */
    static int unlabelAll(List<Node> nodes, String label, Tools tools) {
        List<Node> labelled = nodes.stream().filter(n -> DaemonSetWorkloads.labels(n).containsKey(label)).toList();
        tools.ops().relabel(List.of(), labelled, label);
        return labelled.size();
    }

    /**
     * When the Canary cannot be acted on mid-run: every node goes back to the primary, within maxUnavailable; if the
     * target is gone, its nodes run nothing and all go back at once.
     */
    static void giveBackToPrimary(Canary canary, CanaryStatus status, Cache cache, Tools tools) {
        if (status == null || status.getStableRevision() == null) {
            return;
        }
        String namespace = canary.getMetadata().getNamespace();
        String targetName = canary.getSpec().getTargetRef().getName();
        DaemonSet target = cache.daemonSet(namespace, targetName);
        if (target == null) {
            unlabelAll(cache.nodes(), DaemonSetWorkloads.nodeLabel(canary), tools);
            return;
        }
        DaemonSetWorkload w = unchecked(canary, cache, tools);
        if (w != null && w.primary != null) {
            w.route(Goal.primary());
        }
    }

    /**
     * The workload whatever makes the Canary invalid (its spec, the target's strategy or affinity): nodes still move
     * by their labels. Null when the target is gone or the primary is not the Canary's.
     */
    static DaemonSetWorkload unchecked(Canary canary, Cache cache, Tools tools) {
        String namespace = canary.getMetadata().getNamespace();
        String targetName = canary.getSpec().getTargetRef().getName();
        DaemonSet target = cache.daemonSet(namespace, targetName);
        DaemonSet primary = cache.daemonSet(namespace, DaemonSetWorkloads.primaryName(targetName));
        if (target == null || (primary != null && !Ownership.isOwnedBy(primary, canary))) {
            return null;
        }
        return new DaemonSetWorkload(canary, target, primary, cache, tools);
    }
}
