package dev.aegis.canary.routing;

/**
 * How many pods the canary and the primary run at a weight when pod counts carry the traffic split. Pure arithmetic:
 * the canary runs ceil(weight% × total) pods, at least one, and the primary the rest (at least one before 100%).
 *
 * @param canary canary pods
 * @param primary primary pods
 * @param effectiveWeight the canary's real share of pods, in percent, rounded
 */
public record ReplicaSplit(int canary, int primary, int effectiveWeight) {

    public static ReplicaSplit at(int weight, int total) {
        if (weight < 0 || weight > 100) {
            throw new IllegalArgumentException("weight must be in 0..100, got " + weight);
        }
        if (total < 0) {
            throw new IllegalArgumentException("total must not be negative, got " + total);
        }
        if (weight == 0) {
            return new ReplicaSplit(0, total, 0);
        }
        // ceil(weight × total / 100) in integers; at least one pod so the canary can be measured
        int canary = Math.max(1, (weight * total + 99) / 100);
        // Before the last step the primary keeps at least one pod: a workload of one pod runs two at 1%, since
        // routing by pods cannot give a single pod less than all of the traffic.
        int primary = weight < 100 && total > 0 ? Math.max(1, total - canary) : Math.max(0, total - canary);
        return new ReplicaSplit(canary, primary, share(canary, canary + primary));
    }

    /**
     * The canary's pods when a router carries the split by weight (gateway-api, nginx) and the primary keeps all of
     * its pods: enough for the canary's share of the traffic, ceil(weight% × total), at least one.
     */
    public static int podsFor(int weight, int total) {
        return weight <= 0 ? 0 : Math.max(1, (weight * total + 99) / 100);
    }

    /** A count's share of a whole in percent, rounded half up. */
    public static int share(int part, int whole) {
        return whole == 0 ? 0 : (int) Math.round(100.0 * part / whole);
    }
}
