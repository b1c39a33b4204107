package dev.aegis.canary.reconcile;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.config.AegisConfig;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.routing.CanaryServices;
import dev.aegis.canary.routing.GatewayApiWeights;
import dev.aegis.canary.routing.NginxWeights;
import dev.aegis.canary.routing.NodeTrafficRouter;
import dev.aegis.canary.routing.ReplicaTrafficRouter;
import dev.aegis.canary.routing.WeightedTrafficRouter;
import dev.aegis.canary.workload.DaemonSetWorkloads;
import dev.aegis.canary.workload.DeploymentWorkloads;
import dev.aegis.canary.workload.Ownership;
import dev.aegis.canary.workload.PrimaryAutoscalers;
import dev.aegis.canary.workload.StatefulSetWorkloads;

/** Finds a Canary's workload, of whichever kind its target is. */
@ApplicationScoped
public class Workloads {

    /** The workload, or the problem (naming the field) that keeps the controller from acting on it. */
    record Found(Workload workload, String problem) {

        static Found of(Workload workload) {
            return new Found(workload, null);
        }

        static Found problem(String problem) {
            return new Found(null, problem);
        }
    }

    private final DeploymentWorkload.Tools deployments;
    private final DaemonSetWorkload.Tools daemonSets;
    private final StatefulSetWorkload.Tools statefulSets;

    public Workloads(DeploymentWorkloads deploymentOps, ReplicaTrafficRouter replicaRouter,
            GatewayApiWeights gatewayApi, NginxWeights nginx, CanaryServices services, PrimaryAutoscalers autoscalers,
            DaemonSetWorkloads daemonSetOps, NodeTrafficRouter nodeRouter, StatefulSetWorkloads statefulSetOps,
            Ownership ownership, AegisConfig config) {
        this.deployments = new DeploymentWorkload.Tools(deploymentOps, replicaRouter,
                new WeightedTrafficRouter(deploymentOps, gatewayApi, "HTTPRoute"),
                new WeightedTrafficRouter(deploymentOps, nginx, "canary Ingress"), config.traffic().deploymentRouter(),
                services, autoscalers, ownership);
        this.daemonSets = new DaemonSetWorkload.Tools(daemonSetOps, nodeRouter, ownership);
        this.statefulSets = new StatefulSetWorkload.Tools(statefulSetOps, services, gatewayApi, nginx, ownership);
    }

    /**
     * Drops what is kept in memory for a deleted Canary, whichever way its deletion went (released, abandoned, or its
     * target gone first).
     */
    void forget(Canary canary) {
        deployments.replicaSets().forget(DeploymentWorkload.key(canary));
        deployments.services().forget(canary);
        if (hasTarget(canary)) {
            statefulSets.ops().forget(canary.getMetadata().getNamespace(), canary.getSpec().getTargetRef().getName());
        }
    }

    Found find(Canary canary, CanaryStatus status, Cache cache) {
        return switch (canary.getSpec().getTargetRef().getKind()) {
            case Deployment -> DeploymentWorkload.find(canary, status, cache, deployments);
            case DaemonSet -> DaemonSetWorkload.find(canary, cache, daemonSets);
            case StatefulSet -> StatefulSetWorkload.find(canary, cache, statefulSets);
        };
    }

    /** Best effort, for a Canary that cannot be acted on mid-run: the primary takes all traffic back. */
    void giveBackToPrimary(Canary canary, CanaryStatus status, Cache cache) {
        switch (canary.getSpec().getTargetRef().getKind()) {
            case Deployment -> DeploymentWorkload.giveBackToPrimary(canary, status, cache, deployments);
            case DaemonSet -> DaemonSetWorkload.giveBackToPrimary(canary, status, cache, daemonSets);
            case StatefulSet -> StatefulSetWorkload.giveBackToPrimary(canary, status, cache, statefulSets);
        }
    }

    /**
     * Canary deletion: everything goes to the primary, which then serves alone, released from the Canary.
     *
     * @return reached when done; otherwise what it waits for
     */
    RouteStatus release(Canary canary, CanaryStatus status, Cache cache) {
        if (!hasTarget(canary)) {
            return RouteStatus.reached(0, 0, 0, RouteStatus.Unit.PODS);
        }
        Found found = find(canary, status, cache);
        if (found.workload() != null) {
            return found.workload().release(status);
        }
        if (canary.getSpec().getTargetRef().getKind() == WorkloadKind.DaemonSet) {
            DaemonSetWorkload w = DaemonSetWorkload.unchecked(canary, cache, daemonSets);
            if (w != null) {
                return w.release(status);
            }
        }
        // The target is gone, never was, or cannot be acted on: let go of what the controller made.
        String namespace = canary.getMetadata().getNamespace();
        String target = canary.getSpec().getTargetRef().getName();
        HasMetadata primary = switch (canary.getSpec().getTargetRef().getKind()) {
            case Deployment -> cache.deployment(namespace, DeploymentWorkloads.primaryName(target));
            case DaemonSet -> {
                if (cache.daemonSet(namespace, target) == null) {
                    // The target's nodes run nothing: their labels go at once, and the primary takes them.
                    DaemonSetWorkload.unlabelAll(cache.nodes(), DaemonSetWorkloads.nodeLabel(canary), daemonSets);
                }
                yield cache.daemonSet(namespace, DaemonSetWorkloads.primaryName(target));
            }
            // Canaried in place: no copy. A StatefulSet it cannot act on (OnDelete, a partition Git sets) is Git's.
            case StatefulSet -> null;
        };
        releasePrimary(canary, primary);
        if (canary.getSpec().getTargetRef().getKind() != WorkloadKind.DaemonSet) {
            deployments.releaseWeights(canary); // a Deployment's or a StatefulSet's weighted router
        }
        if (canary.getSpec().getService() != null) {
            deployments.services().release(canary, deployments.ownership());
        }
        return RouteStatus.reached(0, 0, 0, RouteStatus.Unit.PODS);
    }

    /** The primary (and its autoscaler) let go of, never left for the garbage collector to delete with the Canary. */
    private void releasePrimary(Canary canary, HasMetadata primary) {
        if (primary != null && Ownership.isOwnedBy(primary, canary)) {
            deployments.ownership().release(primary);
        }
        if (canary.getSpec().getAutoscalerRef() != null) {
            HorizontalPodAutoscaler twin = deployments.autoscalers().get(canary).primary();
            if (twin != null && Ownership.isOwnedBy(twin, canary)) {
                deployments.ownership().release(twin);
            }
        }
    }

    /**
     * A deletion that stopped making progress: the primary is released (never left for the garbage collector to
     * delete with the Canary) and everything else stays as it is, so both versions keep serving.
     *
     * @return what was left behind, for people
     */
    String abandon(Canary canary, Cache cache) {
        if (!hasTarget(canary)) {
            return "";
        }
        String namespace = canary.getMetadata().getNamespace();
        String target = canary.getSpec().getTargetRef().getName();
        HasMetadata primary = switch (canary.getSpec().getTargetRef().getKind()) {
            case Deployment -> cache.deployment(namespace, DeploymentWorkloads.primaryName(target));
            case DaemonSet -> cache.daemonSet(namespace, DaemonSetWorkloads.primaryName(target));
            case StatefulSet -> null;
        };
        releasePrimary(canary, primary);
        if (canary.getSpec().getTargetRef().getKind() != WorkloadKind.DaemonSet) {
            deployments.releaseWeights(canary); // a Deployment's or a StatefulSet's weighted router
        }
        if (canary.getSpec().getService() != null) {
            deployments.services().release(canary, deployments.ownership());
        }
        String left = primary == null
                ? ""
                : primary.getKind() + " " + primary.getMetadata().getName()
                        + " is released and keeps serving";
        if (canary.getSpec().getTargetRef().getKind() == WorkloadKind.DaemonSet) {
            left += "; nodes labelled " + DaemonSetWorkloads.nodeLabel(canary) + "=" + DaemonSetWorkloads.CANARY
                    + " still run the target, which keeps the controller's node affinity term until removed";
        }
        if (canary.getSpec().getTargetRef().getKind() == WorkloadKind.StatefulSet) {
            StatefulSet sts = cache.statefulSet(namespace, target);
            if (sts != null && StatefulSetWorkloads.heldRevision(sts) != null) {
                // Never leave Git's StatefulSet held by a controller that no longer watches it.
                statefulSets.ops().release(sts);
                left = "StatefulSet " + target + "'s partition is released: its pods roll out what Git says";
            }
        }
        return left;
    }

    private static boolean hasTarget(Canary canary) {
        return canary.getSpec() != null && canary.getSpec().getTargetRef() != null
                && canary.getSpec().getTargetRef().getKind() != null
                && canary.getSpec().getTargetRef().getName() != null;
    }
}
