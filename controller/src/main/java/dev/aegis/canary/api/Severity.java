package dev.aegis.canary.api;

/** How much a notification matters; a provider subscribed at one level gets that level and those above it. */
public enum Severity {

    info, warn, error;

    /** True when a notification of this severity reaches a subscription at {@code threshold}. */
    public boolean reaches(Severity threshold) {
        return compareTo(threshold) >= 0;
    }

    /** The severity of entering a phase: rollbacks and failures are errors, a spec that cannot be acted on a warning. */
    public static Severity of(Phase phase) {
        return switch (phase) {
            case RolledBack, Failed -> error;
            case Invalid -> warn;
            default -> info;
        };
    }
}
