package dev.aegis.canary.rollout;

/**
 * What the reconciler observed, reduced to what the state machine decides on.
 *
 * @param targetRevision hash of the target's pod template (the version Git asks for)
 * @param gitReplicas the target's replica count when someone other than the controller set it (Git), else null
 * @param primaryRevision hash of the primary's pod template, null when the primary does not exist
 * @param primaryReady the primary is rolled out and all its pods are available
 * @param primaryStatus a short count for people, e.g. "3/3 pods ready"
 * @param route what the router achieved for the current intent
 * @param confirmRollout the confirm-rollout webhooks' answer, null when none is set or no run would start
 */
public record WorldView(String targetRevision, Integer gitReplicas, String primaryRevision, boolean primaryReady,
        String primaryStatus, RouteStatus route, Gate confirmRollout) {

    public WorldView(String targetRevision, Integer gitReplicas, String primaryRevision, boolean primaryReady,
            String primaryStatus, RouteStatus route) {
        this(targetRevision, gitReplicas, primaryRevision, primaryReady, primaryStatus, route, null);
    }

    /** The same world, with the answer of the confirm-rollout webhooks (asked only when a run would start). */
    public WorldView withConfirmRollout(Gate gate) {
        return new WorldView(targetRevision, gitReplicas, primaryRevision, primaryReady, primaryStatus, route, gate);
    }
}
