package dev.aegis.canary.routing;

import static dev.aegis.canary.rollout.RouteStatus.Unit.PODS;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.workload.DeploymentWorkloads;
import dev.aegis.canary.workload.Rollouts;

/**
 * A router that shifts traffic by weight (Gateway API, ingress-nginx): the primary keeps all its pods throughout, the
 * canary runs enough pods for its share, and the weight goes up only once those pods are ready. Going back, the
 * weight drops to 0 first and the canary's pods go after: traffic never reaches pods that are not there.
 */
public class WeightedTrafficRouter implements TrafficRouter {

    private final DeploymentWorkloads workloads;
    private final TrafficWeights weights;
    private final String what;

    /** @param what the router object for people, e.g. "HTTPRoute" */
    public WeightedTrafficRouter(DeploymentWorkloads workloads, TrafficWeights weights, String what) {
        this.workloads = workloads;
        this.weights = weights;
        this.what = what;
    }

    public TrafficWeights weights() {
        return weights;
    }

    @Override
    public RouteStatus apply(DeploymentRollout r, TrafficIntent intent) {
        Deployment target = r.target();
        Deployment primary = r.primary();
        int total = r.totalReplicas();
        boolean primaryReady;
        if (r.autoscaled()) {
            primaryReady = Rollouts.isComplete(primary); // its autoscaler decides its size
        } else {
            workloads.scalePrimary(primary, total);
            primaryReady = Rollouts.desired(primary) == total && Rollouts.isComplete(primary);
        }
        switch (intent.kind()) {
            case SPLIT -> {
                int pods = ReplicaSplit.podsFor(intent.weight(), total);
                workloads.scaleTarget(target, Math.max(pods, Rollouts.desired(target)));
                // Traffic goes only to pods sure to stay, of the revision under test (counts of a template Git has
                // just changed are the old template's).
                boolean canaryReady = Rollouts.desired(target) >= pods
                        && r.targetIsCanary()
                        && Rollouts.stayingAvailable(target) >= pods && r.canaryServed();
                int now = weights.current(r.canary());
                if (canaryReady && now != intent.weight()) {
                    now = weights.set(r.canary(), intent.weight());
                } else if (!canaryReady && now > 0
                        && !r.targetIsCanary()) {
                    // Git moved the target on: its pods are being replaced by a revision this step has not checked.
                    // No traffic to the canary until the step's pods are ready.
                    now = weights.set(r.canary(), 0);
                }
                if (canaryReady && now == intent.weight() && !r.autoscaled()) {
                    // Pods beyond the share (a step down after steps changed) go once the weight is in effect; under
                    // an autoscaler, pods beyond the share are its call.
                    workloads.scaleTarget(target, pods);
                }
                if (canaryReady && now == intent.weight() && primaryReady) {
                    return RouteStatus.reached(now, pods, total, PODS);
                }
                String waiting = !canaryReady
                        ? r.canaryServed() || Rollouts.updatedAvailable(target) < pods
                                ? "canary: " + Rollouts.readiness(target, pods)
                                : "canary Service: not yet selecting the canary's pods"
                        : now != intent.weight()
                                ? what + " weight " + now + "%"
                                : "primary: " + Rollouts.describe(
                                        primary);
                return RouteStatus.waiting(now, pods, total, PODS, waiting).withCanaryServing(now == 0
                        ? 0
                        : Rollouts.updatedAvailable(target));
            }
            case STABLE -> {
                int now = weights.current(r.canary());
                if (now != 0) {
                    now = weights.set(r.canary(), 0);
                }
                if (now == 0 && primaryReady) {
                    workloads.scaleTarget(target, 0);
                }
                if (now == 0 && primaryReady && Rollouts.desired(target) == 0 && Rollouts.isComplete(target)) {
                    return RouteStatus.reached(0, 0, total, PODS);
                }
                return RouteStatus.waiting(now, Rollouts.desired(target), total, PODS, now != 0
                        ? what + " weight " + now + "%"
                        : "primary: " + Rollouts.describe(primary));
            }
            case PROMOTE -> {
                // The canary keeps its share while the primary rolls out the new template, unless Git moved the
                // target on: its pods are then being replaced by a revision nobody has checked.
                int now = weights.current(r.canary());
                if (now > 0 && !r.targetIsCanary()) {
                    now = weights.set(r.canary(), 0);
                }
                return RouteStatus.reached(now, Rollouts.desired(target), total, PODS);
            }
            default -> throw new IllegalArgumentException("a weighted router does not apply " + intent.kind());
        }
    }
}
