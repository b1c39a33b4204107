package dev.aegis.canary.rollout;

/**
 * Something people should hear about, recorded as a Kubernetes Event on the Canary.
 *
 * @param warning Warning rather than Normal
 * @param reason CamelCase reason, e.g. RolledBack
 * @param message one line for people
 */
public record RolloutEvent(boolean warning, String reason, String message) {

    public static RolloutEvent normal(String reason, String message) {
        return new RolloutEvent(false, reason, message);
    }

    public static RolloutEvent warning(String reason, String message) {
        return new RolloutEvent(true, reason, message);
    }
}
