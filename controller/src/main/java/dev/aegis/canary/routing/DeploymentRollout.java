package dev.aegis.canary.routing;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.aegis.canary.api.Canary;

/**
 * The objects a Deployment rollout works on, as observed at the start of a reconcile.
 *
 * @param canary the Canary
 * @param target the Git-owned Deployment, which runs the canary
 * @param primary the controller-owned copy, which runs the stable revision
 * @param totalReplicas the pods the workload serves with (from Git, or the primary's autoscaler)
 * @param canaryRevision the revision under test
 * @param targetRevision the revision of the target's template as read (worked out once per reconcile)
 * @param canaryServed the canary Service selects the revision under test (a weighted router sends it traffic only
 *            then)
 * @param autoscaled an autoscaler sizes the primary (and, during a run, the canary beyond its share): the router
 *            never scales the primary and never takes canary pods away mid-run
 */
public record DeploymentRollout(Canary canary, Deployment target, Deployment primary, int totalReplicas,
        String canaryRevision, String targetRevision, boolean canaryServed, boolean autoscaled) {

    /** The target's template is the revision under test (not one Git moved on to). */
    public boolean targetIsCanary() {
        return targetRevision.equals(canaryRevision);
    }
}
