package dev.aegis.canary.workload;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/** Reads a Deployment's rollout state the way kubectl rollout status does. */
public final class Rollouts {

    private Rollouts() {
    }

    public static int desired(Deployment d) {
        Integer replicas = d.getSpec().getReplicas();
        return replicas == null ? 1 : replicas;
    }

    public static int ready(Deployment d) {
        DeploymentStatus s = d.getStatus();
        return s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas();
    }

    public static int available(Deployment d) {
        DeploymentStatus s = d.getStatus();
        return s == null || s.getAvailableReplicas() == null ? 0 : s.getAvailableReplicas();
    }

    /**
     * True when the Deployment controller has seen the latest spec, every pod runs the latest template, no old pod
     * is left, and every pod is available.
     */
    public static boolean isComplete(Deployment d) {
        DeploymentStatus s = d.getStatus();
        if (s == null) {
            return false;
        }
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (s.getObservedGeneration() == null || s.getObservedGeneration() < generation)) {
            return false;
        }
        int desired = desired(d);
        return count(s.getUpdatedReplicas()) == desired && count(s.getReplicas()) == desired
                && count(s.getAvailableReplicas()) >= desired;
    }

    /**
     * Available pods that run the latest template. The status counts old and new pods together; old pods still
     * running are available (they are only removed once new ones are), so they are taken off.
     */
    public static int updatedAvailable(Deployment d) {
        DeploymentStatus s = d.getStatus();
        if (s == null) {
            return 0;
        }
        int updated = count(s.getUpdatedReplicas());
        int old = Math.max(0, count(s.getReplicas()) - updated);
        return Math.max(0, Math.min(updated, available(d) - old));
    }

    /** "2/3 pods ready", counting only pods of the latest template. */
    public static String describe(Deployment d) {
        return updatedAvailable(d) + "/" + desired(d) + " pods ready";
    }

    /**
     * How far a Deployment is from {@code wanted} ready pods of its latest template, in that order: "0/1 pods
     * ready", or "10 pods ready, scaling down to 1" while it still runs more than wanted.
     */
    public static String readiness(Deployment d, int wanted) {
        int ready = updatedAvailable(d);
        if (ready > wanted || desired(d) > wanted) {
            return ready + " pods ready, scaling down to " + wanted;
        }
        return ready + "/" + wanted + " pods ready";
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }
}
