package dev.aegis.canary.routing;

import static dev.aegis.canary.rollout.RouteStatus.Unit.PODS;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.workload.DeploymentWorkloads;
import dev.aegis.canary.workload.Rollouts;

/**
 * The {@code replicas} router: pod counts carry the split, since one Service selects the pods of both versions. At
 * weight w the canary runs ceil(w% × total) pods and the primary the rest. Whichever side grows goes first and the
 * other gives up pods only as the new ones are ready, so the workload never runs short, in either direction.
 */
@ApplicationScoped
public class ReplicaTrafficRouter implements TrafficRouter {

    private final DeploymentWorkloads workloads;

    public ReplicaTrafficRouter(DeploymentWorkloads workloads) {
        this.workloads = workloads;
    }

    @Override
    public RouteStatus apply(DeploymentRollout r, TrafficIntent intent) {
        Deployment target = r.target();
        Deployment primary = r.primary();
        int total = r.totalReplicas();
        switch (intent.kind()) {
            case STABLE -> {
                // The canary's pods go as the primary's come up, never before: rolling back from the 100% step, where
                // the primary has no pods, must not leave nothing serving.
                workloads.scalePrimary(primary, total);
                boolean primaryComplete = Rollouts.desired(primary) == total && Rollouts.isComplete(primary);
                int keep = primaryComplete
                        ? 0
                        : Math.min(Rollouts.desired(target), Math.max(0, total - Rollouts.updatedAvailable(primary)));
                workloads.scaleTarget(target, keep);
                if (primaryComplete && Rollouts.desired(target) == 0 && Rollouts.isComplete(target)) {
                    return RouteStatus.reached(0, 0, total, PODS);
                }
                return RouteStatus.waiting(effective(target, primary), keep, total, PODS,
                        "primary: " + Rollouts.describe(primary));
            }
            case SPLIT -> {
                ReplicaSplit split = ReplicaSplit.at(intent.weight(), total);
                workloads.scaleTarget(target, split.canary());
                boolean canaryReady = Rollouts.desired(target) == split.canary() && Rollouts.isComplete(target);
                // The primary gives up pods only once the canary's are ready, and takes pods back at once when
                // canary pods are not (starting, restarting, or of a newer revision that restarted the run).
                int primaryReplicas = canaryReady
                        ? split.primary()
                        : Math.min(total, Math.max(Math.max(Rollouts.desired(primary), split.primary()),
                                total - Rollouts.updatedAvailable(target)));
                workloads.scalePrimary(primary, primaryReplicas);
                boolean primaryReady = Rollouts.desired(primary) == split.primary() && Rollouts.isComplete(primary);
                int pods = split.canary() + split.primary();
                if (canaryReady && primaryReady) {
                    return RouteStatus.reached(split.effectiveWeight(), split.canary(), pods, PODS);
                }
                String waiting = !canaryReady
                        ? "canary: " + Rollouts.readiness(target, split.canary())
                        : "primary: scaling to " + split.primary() + " pods";
                return RouteStatus.waiting(effective(target, primary), split.canary(), pods, PODS, waiting)
                        .withCanaryServing(Rollouts.updatedAvailable(target));
            }
            case PROMOTE -> {
                // The canary keeps serving while the primary rolls out the new template (see DeploymentWorkloads#promote).
                int canaryPods = Rollouts.desired(target);
                return RouteStatus.reached(effective(target, primary), canaryPods, total, PODS);
            }
            default -> throw new IllegalArgumentException("the replicas router does not apply " + intent.kind());
        }
    }

    /** The canary's share of the pods that are serving now. */
    private static int effective(Deployment target, Deployment primary) {
        int canary = Rollouts.available(target);
        return ReplicaSplit.share(canary, canary + Rollouts.available(primary));
    }
}
