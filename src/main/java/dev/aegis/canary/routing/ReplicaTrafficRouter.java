package dev.aegis.canary.routing;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.workload.DeploymentWorkloads;
import dev.aegis.canary.workload.Rollouts;

/**
 * The {@code replicas} router: pod counts carry the split, since one Service selects the pods of both versions. At
 * weight w the canary runs ceil(w% × total) pods and the primary the rest. The canary is scaled first and the primary
 * only gives up pods once the canary's are ready, so the workload never runs short; going back to the primary is
 * immediate.
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
                workloads.scalePrimary(primary, total);
                workloads.scaleTarget(target, 0);
                boolean reached = Rollouts.desired(primary) == total && Rollouts.isComplete(primary)
                        && Rollouts.desired(target) == 0 && Rollouts.isComplete(target);
                String detail = "0/" + total + " pods";
                return reached
                        ? RouteStatus.reached(0, 0, detail)
                        : RouteStatus.waiting(effective(target, primary), 0, detail,
                                "primary: " + Rollouts.describe(primary));
            }
            case SPLIT -> {
                ReplicaSplit split = ReplicaSplit.at(intent.weight(), total);
                workloads.scaleTarget(target, split.canary());
                boolean canaryReady = Rollouts.desired(target) == split.canary() && Rollouts.isComplete(target);
                // The primary gives up pods only when the canary's are ready; it takes pods back at once.
                int primaryReplicas = canaryReady
                        ? split.primary()
                        : Math.max(Rollouts.desired(primary), split.primary());
                workloads.scalePrimary(primary, primaryReplicas);
                boolean primaryReady = Rollouts.desired(primary) == split.primary() && Rollouts.isComplete(primary);
                String detail = split.canary() + "/" + (split.canary() + split.primary()) + " pods";
                if (canaryReady && primaryReady) {
                    return RouteStatus.reached(split.effectiveWeight(), split.canary(), detail);
                }
                String waiting = !canaryReady
                        ? "canary: " + Rollouts.updatedAvailable(target) + "/" + split.canary() + " pods ready"
                        : "primary: scaling to " + split.primary() + " pods";
                return RouteStatus.waiting(effective(target, primary), split.canary(), detail, waiting);
            }
            case PROMOTE -> {
                // The canary keeps serving while the primary rolls out the new template (see DeploymentWorkloads#promote).
                int canaryPods = Rollouts.desired(target);
                return RouteStatus.reached(effective(target, primary), canaryPods, canaryPods + "/" + total + " pods");
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
