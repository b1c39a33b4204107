package dev.aegis.canary.routing;

import java.time.Instant;
import java.util.Map;

/**
 * One node as the nodes router sees it: where it stands in the fleet, which version it is labelled for, and the pod
 * each version runs there. Built from the Node, the two DaemonSets and their pods; pure data.
 *
 * @param name the node's name
 * @param labels the node's labels (for spreadBy)
 * @param created when the node joined; a node that joins during a step is not chosen at that step
 * @param belongs the DaemonSet keeps a pod there, even while the node is NotReady or tainted NoSchedule; the fleet
 *        the step percentages are of
 * @param up Ready, and the DaemonSet controller would start a pod there now: its pods' readiness counts
 * @param cordoned spec.unschedulable: runs what it runs, but is not chosen for the canary
 * @param onCanary carries the Canary's node label: the target's pod belongs there, the primary's does not
 * @param canaryPod the target's pod on the node
 * @param primaryPod the primary's pod on the node
 */
public record NodeView(String name, Map<String, String> labels, Instant created, boolean belongs, boolean up,
        boolean cordoned, boolean onCanary, Pod canaryPod, Pod primaryPod) {

    /** A DaemonSet's pod on one node, reduced to what a move depends on. */
    public enum Pod {

        /** No pod. */
        NONE,
        /** Being deleted. */
        TERMINATING,
        /** Created, not ready yet. */
        STARTING,
        /** Ready, but from an older template of its DaemonSet: the DaemonSet controller will replace it. */
        STALE,
        /** Ready, from the DaemonSet's current template. */
        READY;

        boolean serving() {
            return this == READY || this == STALE;
        }
    }

    public NodeView {
        labels = Map.copyOf(labels);
    }

    /** May be chosen for the canary now. */
    public boolean candidate() {
        return belongs && up && !cordoned;
    }

    /** The pod of the version the node is labelled for. */
    public Pod expected() {
        return onCanary ? canaryPod : primaryPod;
    }

    /** The pod of the other version, which must go. */
    public Pod other() {
        return onCanary ? primaryPod : canaryPod;
    }

    /** The node serves its version: its pod is ready. */
    public boolean serving() {
        return expected().serving();
    }

    /** Done moving: its version's current pod is ready and the other version's pod is gone. */
    public boolean settled() {
        return expected() == Pod.READY && other() == Pod.NONE;
    }

    /** Serves the canary now: a member of the fleet, up, labelled for the canary and its canary pod ready. */
    public boolean servesCanary() {
        return belongs && up && onCanary && canaryPod.serving();
    }

    /** Counts against maxUnavailable: a node the DaemonSet runs on that does not serve. */
    public boolean unavailable() {
        return up && !serving();
    }

    /** A copy labelled the other way. */
    NodeView moved() {
        return new NodeView(name, labels, created, belongs, up, cordoned, !onCanary, canaryPod, primaryPod);
    }
}
