package dev.aegis.canary.rollout;

import dev.aegis.canary.api.CanaryStatus;

/**
 * What the workloads and the router should look like, derived from the status alone. Every reconcile applies the
 * intent of the status it read, so the world trails the status by at most one reconcile and a restarted controller
 * carries on from the status.
 *
 * @param kind what to do
 * @param weight the canary's share in percent (SPLIT only)
 */
public record TrafficIntent(Kind kind, int weight) {

    public enum Kind {
        /** Leave every workload and route as it is (Suspended; Invalid before the first initialization). */
        HOLD,
        /** Create the primary from the target; the target keeps serving until the primary is ready. */
        INITIALIZE,
        /** The primary serves 100%, the canary runs nothing. */
        STABLE,
        /** The canary serves {@code weight} percent. */
        SPLIT,
        /** The primary takes the canary's template while the canary keeps serving. */
        PROMOTE
    }

    public static TrafficIntent of(CanaryStatus status) {
        if (status == null || status.getPhase() == null) {
            return new TrafficIntent(Kind.INITIALIZE, 0);
        }
        return switch (status.getPhase()) {
            case Initializing -> new TrafficIntent(Kind.INITIALIZE, 0);
            case Ready, Succeeded, RolledBack, Waiting -> new TrafficIntent(Kind.STABLE, 0);
            case Progressing, WaitingPromotion ->
                new TrafficIntent(Kind.SPLIT, status.getWeight() == null ? 0 : status.getWeight());
            case Promoting -> new TrafficIntent(Kind.PROMOTE, 100);
            // Failed keeps trying what it was doing: the first initialization, or a promotion.
            case Failed -> status.getStableRevision() == null
                    ? new TrafficIntent(Kind.INITIALIZE, 0)
                    : new TrafficIntent(Kind.PROMOTE, 100);
            // A Canary that turns invalid mid-run gives everything back to the primary: a split that cannot be
            // analysed must not stay. Before the first initialization nothing is touched.
            case Invalid -> status.getStableRevision() == null
                    ? new TrafficIntent(Kind.HOLD, 0)
                    : new TrafficIntent(Kind.STABLE, 0);
            case Suspended -> new TrafficIntent(Kind.HOLD, 0);
        };
    }

}
