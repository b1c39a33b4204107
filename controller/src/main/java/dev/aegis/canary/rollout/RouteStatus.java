package dev.aegis.canary.rollout;

import java.time.Instant;

/**
 * What the router and the workloads have achieved for the current intent.
 *
 * @param reached the intent is fully in effect: for a split, the canary is ready and serving its share
 * @param effectiveWeight the canary's real share of traffic in percent
 * @param canary canary pods or nodes asked for
 * @param total pods or nodes in all
 * @param unit what is counted
 * @param waitingFor what is not there yet, e.g. "canary: 0/1 pods ready"; empty when reached
 * @param progressed this reconcile moved something towards the intent (a batch of nodes): deadlines that measure
 *        how long the world takes to follow start again
 * @param worldProgressedAt when the world last moved on its own towards the intent (the DaemonSet controller
 *        started another pod of a rolling update), or null: a deadline counts from then too
 * @param canaryServing canary pods or nodes that serve (are ready) now, or {@link #UNKNOWN}: with none, a check
 *        could only measure the absence of the canary, so checks wait for it
 */
public record RouteStatus(boolean reached, int effectiveWeight, int canary, int total, Unit unit,
        String waitingFor, boolean progressed, Instant worldProgressedAt, int canaryServing) {

    /** The router did not count what serves. */
    public static final int UNKNOWN = -1;

    /** Pods (replica routing) or nodes (node routing). */
    public enum Unit {

        PODS("pods"), NODES("nodes");

        private final String text;

        Unit(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    public static RouteStatus reached(int effectiveWeight, int canary, int total, Unit unit) {
        return new RouteStatus(true, effectiveWeight, canary, total, unit, "", false, null, canary);
    }

    public static RouteStatus waiting(int effectiveWeight, int canary, int total, Unit unit, String waitingFor) {
        return new RouteStatus(false, effectiveWeight, canary, total, unit, waitingFor, false, null, UNKNOWN);
    }

    /** The same, reached: what is in effect is all there is to do. */
    public RouteStatus done() {
        return new RouteStatus(true, effectiveWeight, canary, total, unit, "", progressed, worldProgressedAt,
                canaryServing);
    }

    public RouteStatus withProgress() {
        return new RouteStatus(reached, effectiveWeight, canary, total, unit, waitingFor, true, worldProgressedAt,
                canaryServing);
    }

    public RouteStatus withWorldProgressAt(Instant at) {
        return new RouteStatus(reached, effectiveWeight, canary, total, unit, waitingFor, progressed, at,
                canaryServing);
    }

    public RouteStatus withCanaryServing(int serving) {
        return new RouteStatus(reached, effectiveWeight, canary, total, unit, waitingFor, progressed,
                worldProgressedAt, serving);
    }

    /** A split is asked for, but not one canary pod or node serves: there is nothing of the canary to measure. */
    public boolean canaryGone() {
        return !reached && canaryServing == 0;
    }

    /** "12/118 nodes" */
    public String detail() {
        return canary + "/" + total + " " + unit;
    }
}
