package dev.aegis.canary.rollout;

/**
 * What the router and the workloads have achieved for the current intent.
 *
 * @param reached the intent is fully in effect: for a split, the canary is ready and serving its share
 * @param effectiveWeight the canary's real share of traffic in percent
 * @param canaryReplicas canary pods (or nodes) asked for
 * @param detail a short count for people, e.g. "1/10 pods"
 * @param waitingFor what is not there yet, e.g. "canary: 0/1 pods ready"; empty when reached
 */
public record RouteStatus(boolean reached, int effectiveWeight, int canaryReplicas, String detail, String waitingFor) {

    public static RouteStatus reached(int effectiveWeight, int canaryReplicas, String detail) {
        return new RouteStatus(true, effectiveWeight, canaryReplicas, detail, "");
    }

    public static RouteStatus waiting(int effectiveWeight, int canaryReplicas, String detail, String waitingFor) {
        return new RouteStatus(false, effectiveWeight, canaryReplicas, detail, waitingFor);
    }
}
