package dev.aegis.canary.rollout;

/**
 * What the router and the workloads have achieved for the current intent.
 *
 * @param reached the intent is fully in effect: for a split, the canary is ready and serving its share
 * @param effectiveWeight the canary's real share of traffic in percent
 * @param canary canary pods or nodes asked for
 * @param total pods or nodes in all
 * @param unit what is counted
 * @param waitingFor what is not there yet, e.g. "canary: 0/1 pods ready"; empty when reached
 */
public record RouteStatus(boolean reached, int effectiveWeight, int canary, int total, Unit unit,
        String waitingFor) {

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
        return new RouteStatus(true, effectiveWeight, canary, total, unit, "");
    }

    public static RouteStatus waiting(int effectiveWeight, int canary, int total, Unit unit, String waitingFor) {
        return new RouteStatus(false, effectiveWeight, canary, total, unit, waitingFor);
    }

    /** "12/118 nodes" */
    public String detail() {
        return canary + "/" + total + " " + unit;
    }
}
