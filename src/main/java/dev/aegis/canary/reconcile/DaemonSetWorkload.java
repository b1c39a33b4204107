package dev.aegis.canary.reconcile;

import static dev.aegis.canary.rollout.RouteStatus.Unit.NODES;

import java.util.List;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;

import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.routing.NodeTrafficRouter;
import dev.aegis.canary.routing.NodeTrafficRouter.Fleet;
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
 * First sight moves the fleet from the target to the primary without a node ever running two versions: every
 * eligible node is labelled for the canary first (the target still runs there), the target gets its nodeSelector
 * entry (one rolling restart of its pods, by the DaemonSet controller at its maxUnavailable), the primary is created
 * (on no node yet), and the labels then come off in batches of maxUnavailable, each node swapping its target pod for
 * a primary pod.
 */
final class DaemonSetWorkload implements Workload {

    /** The beans a DaemonSet workload works with. */
    record Tools(DaemonSetWorkloads ops, NodeTrafficRouter router, Ownership ownership) {
    }

    private final Canary canary;
    private final DaemonSet target;
    private final DaemonSet primary;
    private final String label;
    private final Fleet fleet;
    private final String targetRevision;
    private final Tools tools;

    private DaemonSetWorkload(Canary canary, DaemonSet target, DaemonSet primary, String label, List<Node> nodes,
            Tools tools) {
        this.canary = canary;
        this.target = target;
        this.primary = primary;
        this.label = label;
        this.fleet = Fleet.of(target, label, nodes);
        this.targetRevision = Revisions.of(DaemonSetWorkloads.gitTemplate(target, label));
        this.tools = tools;
    }

    static Workloads.Found find(Canary canary, Cache cache, Tools tools) {
        String namespace = canary.getMetadata().getNamespace();
        String targetName = canary.getSpec().getTargetRef().getName();
        DaemonSet target = cache.daemonSet(namespace, targetName);
        if (target == null) {
            return Workloads.Found.problem("spec.targetRef: DaemonSet '" + targetName + "' not found in namespace "
                    + namespace);
        }
        DaemonSet primary = cache.daemonSet(namespace, DaemonSetWorkloads.primaryName(targetName));
        if (primary != null && !Ownership.isOwnedBy(primary, canary)) {
            return Workloads.Found.problem("DaemonSet '" + primary.getMetadata().getName()
                    + "' exists and was not created for this Canary; the primary copy needs that name");
        }
        return Workloads.Found.of(new DaemonSetWorkload(canary, target, primary,
                DaemonSetWorkloads.nodeLabel(canary), cache.nodes(), tools));
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
    public String primaryStatus() {
        int nodes = fleet.primaryNodes().size();
        return primary == null
                ? "0/" + fleet.size() + " nodes"
                : DaemonSetWorkloads.available(primary) + "/" + nodes + " nodes ready";
    }

    @Override
    public boolean primaryReady(TrafficIntent intent, RouteStatus route) {
        if (primary == null) {
            return false;
        }
        // Initialization and promotion end when every node is back on the primary.
        if (intent.kind() == TrafficIntent.Kind.INITIALIZE || intent.kind() == TrafficIntent.Kind.PROMOTE) {
            return route.reached();
        }
        return DaemonSetWorkloads.isRolledOut(primary, (int) fleet.primaryNodes().stream()
                .filter(n -> DaemonSetWorkloads.isReady(fleet.byName().get(n))).count());
    }

    @Override
    public RouteStatus apply(TrafficIntent intent, CanaryStatus status, List<RolloutEvent> told) {
        String canaryRevision = status != null && status.getCanaryRevision() != null
                ? status.getCanaryRevision()
                : targetRevision;
        String spreadBy = canary.getSpec().getTraffic() == null || canary.getSpec().getTraffic().getNodes() == null
                ? null
                : canary.getSpec().getTraffic().getNodes().getSpreadBy();
        switch (intent.kind()) {
            case INITIALIZE -> {
                if (primary == null) {
                    if (!DaemonSetWorkloads.isRestricted(target, label)) {
                        // Every eligible node keeps its target pod: label them all before the target is restricted.
                        fleet.eligible().stream().filter(n -> !fleet.canary().contains(n.name()))
                                .forEach(n -> tools.ops().labelCanary(fleet.byName().get(n.name()), label));
                        tools.ops().restrictTarget(target, label);
                    } else {
                        tools.ops().createPrimary(canary, target, targetRevision, label);
                    }
                    return waiting("creating the primary");
                }
                tools.ownership().adopt(canary, primary);
                if (!DaemonSetWorkloads.isRolledOut(target, fleet.ready(true))) {
                    return waiting("the target's pods restarting with the canary nodeSelector");
                }
                return route(intent, canaryRevision, spreadBy);
            }
            case PROMOTE -> {
                if (targetRevision.equals(canaryRevision)) {
                    tools.ops().promote(primary, target, targetRevision, label);
                }
                if (!canaryRevision.equals(DaemonSetWorkloads.primaryRevision(primary))
                        || !DaemonSetWorkloads.isRolledOut(primary, readyPrimaryNodes())) {
                    return waiting("primary: rolling out " + canaryRevision);
                }
                return route(intent, canaryRevision, spreadBy);
            }
            case STABLE, SPLIT -> {
                return route(intent, canaryRevision, spreadBy);
            }
            default -> {
                return waiting("");
            }
        }
    }

    private RouteStatus route(TrafficIntent intent, String canaryRevision, String spreadBy) {
        return tools.router().apply(target, primary, fleet, label, intent, canaryRevision, spreadBy);
    }

    private RouteStatus waiting(String what) {
        int canaryNodes = fleet.canaryNodes().size();
        int effective = fleet.size() == 0 ? 0 : (int) Math.round(100.0 * canaryNodes / fleet.size());
        return RouteStatus.waiting(effective, canaryNodes, fleet.size(), NODES, what);
    }

    private int readyPrimaryNodes() {
        return (int) fleet.primaryNodes().stream().filter(n -> DaemonSetWorkloads.isReady(fleet.byName().get(n)))
                .count();
    }

    @Override
    public PodScope podScope(String canaryRevision) {
        return new PodScope(PodNames.daemonSetRegex(target.getMetadata().getName()),
                PodNames.daemonSetRegex(DaemonSetWorkloads.primaryName(target.getMetadata().getName())),
                Regexes.anyOf(fleet.canaryNodes()), Regexes.anyOf(fleet.primaryNodes()));
    }

    @Override
    public boolean release(CanaryStatus status) {
        boolean initialized = status != null && status.getStableRevision() != null;
        if (primary == null || !Ownership.isOwnedBy(primary, canary)) {
            removeLabels();
            return true;
        }
        if (!initialized) {
            // The fleet never moved to the primary: the target runs everywhere again and the copy goes.
            tools.ops().unrestrictTarget(target, label);
            removeLabels();
            tools.ownership().delete(primary);
            return true;
        }
        RouteStatus route = route(new TrafficIntent(TrafficIntent.Kind.STABLE, 0), status.getCanaryRevision(), null);
        if (!route.reached()) {
            return false;
        }
        tools.ownership().release(primary);
        return true;
    }

    private void removeLabels() {
        fleet.canary().forEach(n -> tools.ops().unlabel(fleet.byName().get(n), label));
    }

    /** When the Canary cannot be acted on mid-run: every node goes back to the primary, within maxUnavailable. */
    static void giveBackToPrimary(Canary canary, CanaryStatus status, Cache cache, Tools tools) {
        if (status == null || status.getStableRevision() == null) {
            return;
        }
        Workloads.Found found = find(canary, cache, tools);
        if (found.workload() instanceof DaemonSetWorkload w && w.primary != null) {
            w.route(new TrafficIntent(TrafficIntent.Kind.STABLE, 0), status.getCanaryRevision(), null);
        }
    }
}
