package dev.aegis.canary.rollout;

/**
 * The answer of the lifecycle webhooks that guard a move (confirm-rollout, confirm-traffic-increase,
 * confirm-promotion): open when every one answered 2xx.
 *
 * @param detail for a closed gate, which webhook said what: "webhook 'approve' answered HTTP 403"
 */
public record Gate(boolean open, String detail) {

    public static Gate opened() {
        return new Gate(true, "");
    }

    public static Gate closed(String detail) {
        return new Gate(false, detail);
    }
}
