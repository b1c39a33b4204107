package dev.aegis.canary.reconcile;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.routing.CanaryServices;
import dev.aegis.canary.routing.ReplicaTrafficRouter;
import dev.aegis.canary.workload.DeploymentWorkloads;

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

    public Workloads(DeploymentWorkloads ops, ReplicaTrafficRouter router, CanaryServices services) {
        this.deployments = new DeploymentWorkload.Tools(ops, router, services);
    }

    Found find(Canary canary, CanaryStatus status, Cache cache) {
        return switch (canary.getSpec().getTargetRef().getKind()) {
            case Deployment -> DeploymentWorkload.find(canary, status, cache, deployments);
            case DaemonSet -> Found.problem("spec.targetRef.kind DaemonSet is not supported by this version; use a "
                    + "Deployment");
        };
    }

    /** Best effort, for a Canary that cannot be acted on mid-run: the primary takes all traffic back. */
    void giveBackToPrimary(Canary canary, CanaryStatus status, Cache cache) {
        switch (canary.getSpec().getTargetRef().getKind()) {
            case Deployment -> DeploymentWorkload.giveBackToPrimary(canary, status, cache, deployments);
            case DaemonSet -> {
            }
        }
    }

    /**
     * Canary deletion: everything goes to the primary, which then serves alone, released from the Canary.
     *
     * @return true when done
     */
    boolean release(Canary canary, CanaryStatus status, Cache cache) {
        if (canary.getSpec() == null || canary.getSpec().getTargetRef() == null
                || canary.getSpec().getTargetRef().getKind() == null || canary.getSpec().getTargetRef()
                        .getName() == null) {
            return true;
        }
        Found found = find(canary, status, cache);
        if (found.workload() != null) {
            return found.workload().release(status);
        }
        // The target is gone or never was: let go of what the controller made.
        if (canary.getSpec().getTargetRef().getKind() == dev.aegis.canary.api.WorkloadKind.Deployment) {
            Deployment primary = cache.deployment(canary.getMetadata().getNamespace(),
                    DeploymentWorkloads.primaryName(canary.getSpec().getTargetRef().getName()));
            if (primary != null && DeploymentWorkloads.isOwnedBy(primary, canary)) {
                deployments.ops().release(primary);
            }
            if (canary.getSpec().getService() != null) {
                deployments.services().release(canary, deployments.ops());
            }
        }
        return true;
    }
}
