package dev.aegis.canary.routing;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.aegis.canary.api.Canary;

/**
 * The objects a Deployment rollout works on, as observed at the start of a reconcile.
 *
 * @param canary the Canary
 * @param target the Git-owned Deployment, which runs the canary
 * @param primary the controller-owned copy, which runs the stable revision
 * @param totalReplicas the pods the workload serves with (from Git)
 * @param canaryRevision the revision under test
 */
public record DeploymentRollout(Canary canary, Deployment target, Deployment primary, int totalReplicas,
        String canaryRevision) {
}
