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
     * True when the status describes the latest spec: the Deployment controller has seen it. Until then its counts
     * may be of pods it is about to delete (a target scaled to 0 and back, as when Git re-applies its replicas).
     */
    public static boolean observed(Deployment d) {
        DeploymentStatus s = d.getStatus();
        Long generation = d.getMetadata().getGeneration();
        return s != null && (generation == null || (s.getObservedGeneration() != null && s
                .getObservedGeneration() >= generation));
    }

    /**
     * True when the Deployment controller has seen the latest spec, every pod runs the latest template, no old pod
     * is left, and every pod is available.
     */
    public static boolean isComplete(Deployment d) {
        DeploymentStatus s = d.getStatus();
        if (!observed(d)) {
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

    /**
     * Available pods of the latest template that are sure to be there: none while the status counts more pods than
     * the spec asks for. That is a scale-down under way, or counts made before one: on a real API server a
     * Deployment scaled to 0 and at once back to 1 still said 4 pods available while it had none (its ReplicaSet's
     * status was not updated yet). A scale-up not yet observed counts the pods there were, which stay.
     */
    public static int stayingAvailable(Deployment d) {
        DeploymentStatus s = d.getStatus();
        return s == null || count(s.getReplicas()) > desired(d) ? 0 : updatedAvailable(d);
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
