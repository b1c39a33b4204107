package dev.aegis.canary.api;

/** Where a Canary's rollout stands; the phase is the state of the rollout state machine. */
public enum Phase {

    /** First sight: the primary copy is being created and made ready. */
    Initializing,
    /** The primary serves the stable revision; no run is underway. */
    Ready,
    /** A new revision waits for its confirm-rollout webhooks; the primary serves everything. */
    Waiting,
    /** A new revision moves through the steps. */
    Progressing,
    /** Every step passed; the run waits for its confirm-promotion webhooks, the split stays and checks go on. */
    WaitingPromotion,
    /** Every step passed: the primary is being updated to the new revision. */
    Promoting,
    /** The last run was promoted; the primary serves it. */
    Succeeded,
    /** The last run was rolled back; the primary serves the stable revision. */
    RolledBack,
    /** The controller cannot make progress (e.g. the primary never became ready). */
    Failed,
    /** The spec cannot be acted on; nothing was changed. */
    Invalid,
    /** spec.suspend is true: the controller leaves everything as it is. */
    Suspended;

    /** True while a run holds traffic split between primary and canary. */
    public boolean isRunning() {
        return this == Progressing || this == WaitingPromotion || this == Promoting;
    }
}
