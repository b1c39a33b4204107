package dev.aegis.canary.rollout;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Condition;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.RequestStatus;

/**
 * The rollout as pure code: (policy, status, observations, check outcome, now) → (new status, events, when to look
 * again). One transition per call; no I/O. What the workloads should look like follows from the returned status
 * through {@link TrafficIntent#of}.
 */
public final class RolloutStateMachine {

    public static final String CONDITION_READY = "Ready";
    public static final String CONDITION_PROGRESSING = "Progressing";
    /** kstatus' abnormal-true pair: True while the controller is still moving the Canary to what Git asked for. */
    public static final String CONDITION_RECONCILING = "Reconciling";
    /** kstatus' abnormal-true pair: True when it cannot get there without a change (a rollback, Failed, Invalid). */
    public static final String CONDITION_STALLED = "Stalled";

    private final Duration pollInterval;
    private final Duration idleResync;

    /**
     * @param pollInterval how often to look while waiting for readiness (workload events usually come sooner)
     * @param idleResync how often to look when nothing is underway
     */
    public RolloutStateMachine(Duration pollInterval, Duration idleResync) {
        this.pollInterval = pollInterval;
        this.idleResync = idleResync;
    }

    /** True when the next call to {@link #next} must carry a check outcome: a check is due now. */
    public boolean isCheckDue(RolloutPolicy policy, CanaryStatus status, WorldView world, Instant now) {
        // Once the canary was ready at a step, checks keep their schedule: a canary whose pods flap is measured
        // (and judged) rather than left unwatched.
        if (status == null || (status.getPhase() != Phase.Progressing && status.getPhase() != Phase.WaitingPromotion)
                || !Objects.equals(world.targetRevision(), status.getCanaryRevision())
                || status.getStepReadyAt() == null || !policy.matches(status)) {
            return false;
        }
        if (world.route().canaryGone() || status.getCanaryGoneSince() != null) {
            // Not one canary pod or node serves: a query could only measure its absence. Checks wait for it
            // (progressDeadline bounds how long), and for its share to be back, when its evidence starts over:
            // losing capacity is a readiness matter, never a verdict.
            return false;
        }
        return !now.isBefore(nextCheckAt(policy, status));
    }

    /**
     * Decides the next state.
     *
     * @param check the outcome of the check, required exactly when {@link #isCheckDue} is true
     */
    public Decision next(long generation, RolloutPolicy policy, CanaryStatus current, WorldView world,
            CheckOutcome check, Instant now) {
        boolean due = isCheckDue(policy, current, world, now);
        if (due != (check != null)) {
            throw new IllegalArgumentException(due
                    ? "a check is due but no outcome was given"
                    : "a check outcome was given but none is due");
        }
        Transition t = new Transition(generation, current, now);
        if (world.gitReplicas() != null && !world.gitReplicas().equals(t.s.getTotalReplicas())) {
            if (t.s.getTotalReplicas() != null) {
                t.event(RolloutEvent.normal("Scaled",
                        "target replicas changed to " + world.gitReplicas() + " (was " + t.s.getTotalReplicas() + ")"));
            }
            t.s.setTotalReplicas(world.gitReplicas());
        }
        Phase phase = t.s.getPhase();
        if (phase == null || (phase == Phase.Failed && t.s.getStableRevision() == null)) {
            phase = Phase.Initializing;
        } else if (phase == Phase.Invalid || phase == Phase.Suspended) {
            phase = resumePhase(t.s);
            // Waits and dwells start over: time spent invalid or suspended counts for neither.
            t.s.setStepStartedAt(t.nowText);
            t.s.setStepReadyAt(null);
            t.event(RolloutEvent.normal("Resumed", (t.s.getPhase() == Phase.Invalid
                    ? "spec is valid again"
                    : "spec.suspend lifted") + "; resuming as " + phase));
            t.s.setPhase(phase);
        }
        observe(t, world.route());
        switch (phase) {
            case Initializing -> initializing(t, policy, world);
            case Ready, Succeeded, RolledBack, Waiting -> idle(t, policy, world);
            case Progressing, WaitingPromotion -> progressing(t, policy, world, check);
            case Promoting, Failed -> promoting(t, policy, world);
            default -> throw new IllegalStateException("unexpected phase " + phase);
        }
        return t.decision();
    }

    /** The spec cannot be acted on: phase Invalid, nothing changes in the world, the run's memory is kept. */
    public Decision invalid(long generation, CanaryStatus current, String message, Instant now) {
        Transition t = new Transition(generation, current, now);
        String text = "invalid: " + message;
        if (t.s.getPhase() == Phase.Invalid && !text.equals(t.s.getMessage())) {
            t.event(RolloutEvent.warning("InvalidSpec", message)); // still invalid, for another reason
        }
        t.enter(Phase.Invalid, text, RolloutEvent.warning("InvalidSpec", message));
        t.requeue(idleResync);
        return t.decision();
    }

    /** spec.suspend: phase Suspended, nothing changes in the world until it is lifted. */
    public Decision suspended(long generation, CanaryStatus current, Instant now) {
        Transition t = new Transition(generation, current, now);
        t.enter(Phase.Suspended, "suspended: spec.suspend is true; nothing is changed until it is false",
                RolloutEvent.normal("Suspended", "spec.suspend is true; the controller leaves everything as it is"));
        t.requeue(idleResync);
        return t.decision();
    }

    /**
     * A person's request (pause, resume, promote, abort, retry): acted on at once, or ignored with the reason. Either
     * way the outcome goes to status.lastRequest and an Event naming who asked.
     */
    public Decision request(long generation, RolloutPolicy policy, CanaryStatus current, WorldView world,
            ManualRequest request, Instant now) {
        Transition t = new Transition(generation, current, now);
        CanaryStatus s = t.s;
        String who = request.by();
        Phase phase = s.getPhase();
        boolean running = (phase == Phase.Progressing || phase == Phase.WaitingPromotion)
                && world.targetRevision().equals(s.getCanaryRevision());
        String outcome = null;
        String ignored = null;
        if (request.action() == null) {
            ignored = "'" + request.raw() + "' is not a request; " + ManualRequest.ANNOTATION + " takes one of "
                    + ManualRequest.Action.words();
        } else {
            switch (request.action()) {
                case PAUSE -> {
                    if (s.paused()) {
                        ignored = "already paused by " + s.getPausedBy();
                    } else {
                        s.setPaused(true);
                        s.setPausedBy(who);
                        outcome = "paused: no step advances and no run starts until resumed; checks go on, and a "
                                + "failing one still rolls back";
                        t.event(RolloutEvent.normal("Paused", "pause requested by " + who + "; " + outcome));
                    }
                }
                case RESUME -> {
                    if (!s.paused()) {
                        ignored = "not paused";
                    } else {
                        outcome = "resumed (paused by " + s.getPausedBy() + ")";
                        String prefix = pausedPrefix(s);
                        if (s.getMessage() != null && s.getMessage().startsWith(prefix)) {
                            t.message(s.getMessage().substring(prefix.length()));
                        }
                        s.setPaused(null);
                        s.setPausedBy(null);
                        t.event(RolloutEvent.normal("Resumed", "resume requested by " + who + "; " + outcome));
                    }
                }
                case PROMOTE -> {
                    if (running) {
                        int left = policy.stepCount() - s.getStepIndex() - 1;
                        outcome = "promoting revision " + s.getCanaryRevision() + " at step " + (s.getStepIndex() + 1)
                                + "/" + policy.stepCount() + " (" + s.getWeight() + "%), skipping " + left
                                + (left == 1 ? " step" : " steps");
                        s.setStepStartedAt(t.nowText);
                        s.setStepReadyAt(null);
                        t.enter(Phase.Promoting, outcome + ": promote requested by " + who, RolloutEvent.normal(
                                "PromoteRequested", "promote requested by " + who + "; " + outcome));
                    } else {
                        ignored = "no run in progress to promote (phase " + phase + ")";
                    }
                }
                case ABORT -> {
                    if (running) {
                        rollBack(t, policy, "abort requested by " + who);
                        outcome = "rolled back";
                    } else if (phase == Phase.Promoting) {
                        ignored = "the primary is already being updated to " + s.getCanaryRevision()
                                + "; to go back, revert the target in Git";
                    } else {
                        ignored = "no run in progress to abort (phase " + phase + ")";
                    }
                }
                case RETRY -> {
                    String target = world.targetRevision();
                    if (phase == Phase.RolledBack && target.equals(s.getCanaryRevision())
                            && !target.equals(s.getStableRevision())) {
                        outcome = "running revision " + target + " again from step 1";
                        startRun(t, policy, target, "RetryRequested", "retry requested by " + who + "; " + outcome
                                + " " + stepsText(policy));
                    } else {
                        ignored = "retry runs a rolled-back revision that is still the target again; phase is "
                                + phase + (phase == Phase.RolledBack ? " and the target is now " + target : "");
                    }
                }
            }
        }
        if (ignored != null) {
            outcome = "ignored: " + ignored;
            t.event(RolloutEvent.warning("RequestIgnored", "'" + request.raw() + "' requested by " + who
                    + " ignored: " + ignored));
        }
        RequestStatus record = new RequestStatus(request.raw(), who, t.nowText, outcome);
        record.setId(request.id());
        s.setLastRequest(record);
        if (s.getMessage() == null) {
            t.message(outcome);
        }
        t.requeue(Duration.ZERO);
        return t.decision();
    }

    private static final Duration REPEAT_WINDOW = Duration.ofMinutes(2);

    /**
     * The request just acted on, seen again because its annotation could not be removed yet: not a new one. The
     * reconciler then carries on as if there were no request (checks keep their schedule) and removes it again.
     */
    public static boolean isRepeat(CanaryStatus current, ManualRequest request, Instant now) {
        RequestStatus last = current == null ? null : current.getLastRequest();
        if (last != null && request.id() != null) {
            return request.id().equals(last.getId()); // an id tells requests apart exactly
        }
        return last != null && request.raw().equals(last.getAction()) && request.by().equals(last.getRequestedBy())
                && last.getOutcome() != null && !last.getOutcome().startsWith("ignored") && last.getTime() != null
                && Duration.between(Instant.parse(last.getTime()), now).compareTo(REPEAT_WINDOW) < 0;
    }

    /**
     * The time the next check is due at the current step: once Prometheus can hold samples of the new pods after
     * the canary was ready ({@link RolloutPolicy#firstLook}), then every interval.
     */
    public static Instant nextCheckAt(RolloutPolicy policy, CanaryStatus status) {
        Instant ready = Instant.parse(status.getStepReadyAt());
        if (status.getLastCheckAt() != null) {
            Instant last = Instant.parse(status.getLastCheckAt());
            if (last.isAfter(ready)) {
                return last.plus(awaitingFirstSamples(policy, status, last) ? policy.relook() : policy.interval());
            }
        }
        return ready.plus(policy.firstLook());
    }

    /**
     * True while every look at this step has found no data and {@link RolloutPolicy#firstSamplesBy} has not passed
     * at {@code at}: Prometheus may not have discovered the new pods yet (its service discovery hands targets over in
     * batches, every 5 s) nor scraped them twice. Such a look is a "not yet", looked at again after one scrape, with
     * no Warning; the no-data limit still counts from the step being ready.
     */
    static boolean awaitingFirstSamples(RolloutPolicy policy, CanaryStatus s, Instant at) {
        return s.getStepReadyAt() != null && s.getStepReadyAt().equals(s.getNoDataSince()) && at.isBefore(Instant
                .parse(s.getStepReadyAt()).plus(policy.firstSamplesBy()));
    }

    /** Where a Canary coming back from Invalid or Suspended (or seen for the first time) picks up. */
    private static Phase resumePhase(CanaryStatus s) {
        if (s.getStableRevision() == null) {
            return Phase.Initializing;
        }
        if (s.getCanaryRevision() != null && !s.getCanaryRevision().equals(s.getStableRevision())
                && s.getStepIndex() != null && s.getWeight() != null && s.getWeight() > 0) {
            return Phase.Progressing;
        }
        if (s.getRolledBackRevision() != null && s.getRolledBackRevision().equals(s.getCanaryRevision())) {
            return Phase.RolledBack;
        }
        return s.getPhase() == Phase.Succeeded ? s.getPhase() : Phase.Ready;
    }

    private void initializing(Transition t, RolloutPolicy policy, WorldView world) {
        CanaryStatus s = t.s;
        if (s.getStepStartedAt() == null || (s.getPhase() != Phase.Initializing && s.getPhase() != Phase.Failed)) {
            s.setStepStartedAt(t.nowText);
        }
        if (world.primaryRevision() != null && world.primaryReady()) {
            s.setStableRevision(world.primaryRevision());
            s.setCanaryRevision(world.primaryRevision());
            clearSplit(s);
            s.setStepStartedAt(null);
            t.enter(Phase.Ready, "revision " + world.primaryRevision() + " serves on the primary ("
                    + world.primaryStatus() + ")",
                    RolloutEvent.normal("Initialized", "primary ready with revision " + world.primaryRevision()
                            + "; new revisions of the target will be canaried"));
            // Handing the target over (a Deployment's scaled to zero) is the next reconcile's work; look again soon.
            t.requeue(pollInterval);
            return;
        }
        String waiting = "primary " + (world.primaryRevision() == null ? "being created" : world.primaryStatus());
        if (!world.route().waitingFor().isEmpty()) {
            waiting += " (waiting for " + world.route().waitingFor() + ")";
        }
        if (t.now.isAfter(deadline(s, policy))) {
            t.enter(Phase.Failed, "initialization stuck: " + waiting + " after " + Durations.format(
                    policy.progressDeadline()) + " (progressDeadline); still waiting, the target keeps serving",
                    RolloutEvent.warning("ProgressDeadlineExceeded", "primary not ready within "
                            + Durations.format(policy.progressDeadline()) + ": " + waiting));
        } else {
            t.enter(Phase.Initializing, "initializing: " + waiting, RolloutEvent.normal("Initializing",
                    "taking over the target: its revision is to serve as the primary"));
        }
        t.requeue(pollInterval);
    }

    /**
     * True when, with nothing in the way, this reconcile would start a run of the target (from an idle phase, or by
     * replacing the revision under test): the moment to ask the confirm-rollout webhooks.
     */
    public static boolean wouldStartRun(CanaryStatus s, String targetRevision, String primaryRevision) {
        if (s == null || s.getStableRevision() == null || s.paused() || targetRevision.equals(s.getStableRevision())) {
            return false;
        }
        Phase phase = s.getPhase() == Phase.Invalid || s.getPhase() == Phase.Suspended ? resumePhase(s) : s.getPhase();
        if (phase == Phase.Promoting || phase == Phase.Failed) {
            // Once the primary took the template, the promotion finishes whatever Git does next.
            return !targetRevision.equals(s.getCanaryRevision())
                    && !java.util.Objects.equals(primaryRevision, s.getCanaryRevision());
        }
        if (phase.isRunning()) {
            return !targetRevision.equals(s.getCanaryRevision()); // a newer revision replaces the one under test
        }
        if (phase == Phase.RolledBack && targetRevision.equals(s.getCanaryRevision())) {
            return false;
        }
        return phase == Phase.Ready || phase == Phase.Succeeded || phase == Phase.RolledBack
                || phase == Phase.Waiting;
    }

    private void idle(Transition t, RolloutPolicy policy, WorldView world) {
        CanaryStatus s = t.s;
        String target = world.targetRevision();
        Phase phase = s.getPhase();
        if (target.equals(s.getStableRevision())) {
            Phase settled = phase == Phase.Succeeded ? Phase.Succeeded : Phase.Ready;
            String message = settled == Phase.Succeeded
                    ? s.getMessage()
                    : "revision " + target + " serves on the primary (" + world.primaryStatus() + ")";
            if (phase == Phase.RolledBack) {
                message = "target is back at the stable revision " + target + "; nothing to roll out";
            }
            keepSettled(t, settled, message);
            return;
        }
        if (phase == Phase.RolledBack && target.equals(s.getCanaryRevision())) {
            // A rolled-back revision is not tried again until Git changes the target, or a person asks to retry.
            boolean resumed = s.getMessage() == null || s.getMessage().startsWith("invalid: ")
                    || s.getMessage().startsWith("suspended: ");
            keepSettled(t, Phase.RolledBack, !resumed
                    ? s.getMessage()
                    : "revision " + target + " was rolled back; it runs again when Git changes the target or "
                            + "someone asks to retry");
            return;
        }
        if (s.paused()) {
            keepSettled(t, phase == Phase.Waiting ? Phase.Ready : phase, "new revision " + target
                    + " waits: resume to start its run (stable " + s.getStableRevision() + " serves on the primary)");
            return;
        }
        if (waitsForConfirmRollout(t, policy, world, "new revision " + target)) {
            return;
        }
        startRun(t, policy, target, "NewRevision", "new revision " + target + " (stable " + s.getStableRevision()
                + "): starting the canary run " + stepsText(policy));
    }

    /**
     * Git replaced the revision under test: the new one starts from the first step, unless a pause or a closed
     * confirm-rollout gate holds it, in which case the primary takes everything back and the new revision waits.
     */
    private void replaceMidRun(Transition t, RolloutPolicy policy, WorldView world, String when) {
        CanaryStatus s = t.s;
        String target = world.targetRevision();
        String replaces = "revision " + target + " replaces " + s.getCanaryRevision() + " " + when;
        if (s.paused()) {
            keepSettled(t, Phase.Ready, replaces + " and waits: resume to start its run (stable "
                    + s.getStableRevision() + " serves on the primary)");
            t.requeue(pollInterval);
            return;
        }
        if (waitsForConfirmRollout(t, policy, world, replaces + " and")) {
            return;
        }
        startRun(t, policy, target, "RevisionChanged", replaces + ": restarting at step 1 " + stepsText(policy));
    }

    /** A closed confirm-rollout gate: the primary serves everything, phase Waiting, asked again every interval. */
    private static boolean waitsForConfirmRollout(Transition t, RolloutPolicy policy, WorldView world, String what) {
        Gate gate = world.confirmRollout();
        if (gate == null || gate.open()) {
            return false;
        }
        clearSplit(t.s);
        String message = what + " waits for confirm-rollout: " + gate.detail() + " (stable "
                + t.s.getStableRevision() + " serves on the primary)";
        t.enter(Phase.Waiting, message, RolloutEvent.normal("Waiting", message));
        t.requeue(policy.interval());
        return true;
    }

    /** "paused by alice; ", the start of every message while a pause holds. */
    private static String pausedPrefix(CanaryStatus s) {
        return "paused by " + s.getPausedBy() + "; ";
    }

    private void keepSettled(Transition t, Phase phase, String message) {
        clearSplit(t.s);
        t.enter(phase, message, RolloutEvent.normal(phase.name(), message));
        t.requeue(idleResync);
    }

    private void startRun(Transition t, RolloutPolicy policy, String revision, String reason, String message) {
        CanaryStatus s = t.s;
        s.setCanaryRevision(revision);
        s.setRolledBackRevision(null);
        s.setRunStartedAt(t.nowText);
        s.setPassedChecks(0);
        s.setFailedChecks(0);
        s.setNoDataChecks(0);
        s.setErrorChecks(0);
        s.setLastAnalysis(null);
        s.setLastCheckAt(null);
        enterStep(t, policy, 0);
        t.event(RolloutEvent.normal(reason, message));
        t.enter(Phase.Progressing, stepMessage(policy, s, "starting"), null);
        t.requeue(Duration.ZERO);
    }

    private static void enterStep(Transition t, RolloutPolicy policy, int stepIndex) {
        t.s.setStepIndex(stepIndex);
        t.s.setWeight(policy.weightAt(stepIndex));
        t.s.setStepStartedAt(t.nowText);
        t.s.setStepReadyAt(null);
        t.s.setUnreadySince(null);
        t.s.setCanaryGoneSince(null);
        t.s.setNoDataSince(null);
        t.s.setProgressedAt(null);
    }

    /**
     * The split asked for is over. What runs on the canary is still reported as the router sees it: moving a large
     * fleet back takes a while.
     */
    private static void clearSplit(CanaryStatus s) {
        s.setWeight(0);
        s.setStepReadyAt(null);
        s.setUnreadySince(null);
        s.setCanaryGoneSince(null);
        s.setNoDataSince(null);
        s.setProgressedAt(null);
    }

    /** What the router achieved, in every phase; and when it last moved something, for progressDeadline. */
    private static void observe(Transition t, RouteStatus route) {
        CanaryStatus s = t.s;
        if (route.total() == 0 && route.unit() == RouteStatus.Unit.PODS && route.reached()) {
            return; // nothing known about the world
        }
        s.setEffectiveWeight(route.effectiveWeight());
        if (route.unit() == RouteStatus.Unit.NODES) {
            s.setCanaryNodes(route.canary());
            s.setTotalNodes(route.total());
        } else {
            s.setCanaryReplicas(route.canary());
        }
        if (route.progressed()) {
            s.setProgressedAt(t.nowText);
        } else if (route.worldProgressedAt() != null && (s.getProgressedAt() == null
                || route.worldProgressedAt().isAfter(Instant.parse(s.getProgressedAt())))) {
            s.setProgressedAt(route.worldProgressedAt().toString());
        }
    }

    /** progressDeadline counts from the start of the step, or from the last progress the router made since. */
    private static Instant deadline(CanaryStatus s, RolloutPolicy policy) {
        Instant from = Instant.parse(s.getStepStartedAt());
        if (s.getProgressedAt() != null && Instant.parse(s.getProgressedAt()).isAfter(from)) {
            from = Instant.parse(s.getProgressedAt());
        }
        return from.plus(policy.progressDeadline());
    }

    private void progressing(Transition t, RolloutPolicy policy, WorldView world, CheckOutcome check) {
        CanaryStatus s = t.s;
        String target = world.targetRevision();
        if (!target.equals(s.getCanaryRevision())) {
            if (target.equals(s.getStableRevision())) {
                clearSplit(s);
                String message = "run of " + s.getCanaryRevision()
                        + " cancelled: the target is back at the stable revision "
                        + target;
                t.enter(Phase.Ready, message, RolloutEvent.normal("RunCancelled", message));
                t.requeue(pollInterval);
                return;
            }
            replaceMidRun(t, policy, world, "mid-run");
            return;
        }
        if (!policy.matches(s)) {
            // spec.steps changed mid-run: carry on from the first new step at or above the current weight.
            int index = policy.indexAtOrAbove(s.getWeight());
            String was = s.getWeight() + "%";
            enterStep(t, policy, index);
            s.setPhase(Phase.Progressing);
            t.event(RolloutEvent.normal("StepsChanged", "spec.steps changed mid-run: " + was + " continues as step "
                    + (index + 1) + "/" + policy.stepCount() + " (" + s.getWeight() + "%)"));
            t.message(stepMessage(policy, s, "steps changed"));
            t.requeue(Duration.ZERO);
            return;
        }
        RouteStatus route = world.route();
        if (s.getStepReadyAt() == null) {
            if (!route.reached()) {
                if (t.now.isAfter(deadline(s, policy))) {
                    rollBack(t, policy, "canary not ready within " + Durations.format(policy.progressDeadline())
                            + " (progressDeadline): " + route.waitingFor());
                    return;
                }
                t.message(stepMessage(policy, s, route, "waiting for " + route.waitingFor()));
                t.requeue(pollInterval);
                return;
            }
            s.setStepReadyAt(t.nowText);
            t.message(stepMessage(policy, s, route, "canary ready, first check in " + Durations.format(policy
                    .firstLook())));
            t.requeue(policy.firstLook());
            return;
        }
        // The canary was ready at this step. If it is not now, checks go on while some of it serves; while none of
        // it does, they wait, and its evidence starts over once it serves again. A canary that stays unready for
        // progressDeadline is rolled back.
        String unready = null;
        if (route.reached()) {
            s.setUnreadySince(null);
            if (s.getCanaryGoneSince() != null) {
                Duration gone = Duration.between(Instant.parse(s.getCanaryGoneSince()), t.now)
                        .truncatedTo(ChronoUnit.SECONDS);
                s.setCanaryGoneSince(null);
                s.setStepReadyAt(t.nowText);
                s.setNoDataSince(null);
                s.setNoDataChecks(0);
                String restored = "the canary serves again after " + Durations.format(gone)
                        + " without; the step's evidence starts over, first check in " + Durations.format(
                                policy.firstLook());
                t.event(RolloutEvent.normal("CanaryRestored", restored));
                t.message(stepMessage(policy, s, route, restored));
                t.requeue(policy.firstLook());
                return;
            }
        } else {
            if (s.getUnreadySince() == null) {
                s.setUnreadySince(t.nowText);
            }
            Duration down = Duration.between(Instant.parse(s.getUnreadySince()), t.now);
            if (down.compareTo(policy.progressDeadline()) > 0) {
                rollBack(t, policy, "canary not ready for more than " + Durations.format(policy.progressDeadline())
                        + " (progressDeadline): " + route.waitingFor());
                return;
            }
            unready = "canary not ready for " + Durations.format(down.truncatedTo(ChronoUnit.SECONDS)) + " ("
                    + route.waitingFor() + "), ";
            if (route.canaryGone()) {
                if (s.getCanaryGoneSince() == null) {
                    s.setCanaryGoneSince(t.nowText);
                    t.event(RolloutEvent.warning("CanaryUnavailable", "no canary " + route.unit()
                            + " serve (" + route.waitingFor() + "): checks wait until one serves again; rolled back "
                            + "if not within " + Durations.format(policy.progressDeadline()) + " (progressDeadline)"));
                }
                t.message(stepMessage(policy, s, route, unready + "no canary " + route.unit() + " serving: checks "
                        + "wait (rolled back if not ready within " + Durations.format(policy.progressDeadline())
                        + ", progressDeadline)"));
                t.requeue(pollInterval);
                return;
            }
        }
        String prefix = unready == null ? "" : unready;
        if (check == null) {
            t.message(stepMessage(policy, s, route, prefix + checksText(s)));
            Duration untilCheck = Duration.between(t.now, nextCheckAt(policy, s));
            t.requeue(route.reached() || untilCheck.compareTo(pollInterval) < 0 ? untilCheck : pollInterval);
            return;
        }
        // When the last look was that found data: how long checks have gone without it.
        String lastLook = s.getLastCheckAt() != null && Instant.parse(s.getLastCheckAt()).isAfter(Instant.parse(s
                .getStepReadyAt())) ? s.getLastCheckAt() : s.getStepReadyAt();
        s.setLastCheckAt(t.nowText);
        s.setLastAnalysis(check.results());
        if (check.verdict() != CheckOutcome.Verdict.NO_DATA && check.verdict() != CheckOutcome.Verdict.ERROR) {
            s.setNoDataSince(null);
        } else if (check.verdict() == CheckOutcome.Verdict.NO_DATA && s.getNoDataSince() == null) {
            s.setNoDataSince(lastLook);
        }
        if (check.rollbackBy() != null) {
            rollBack(t, policy, check.rollbackBy());
            return;
        }
        switch (check.verdict()) {
            case PASS -> {
                s.setPassedChecks(count(s.getPassedChecks()) + 1);
                s.setNoDataChecks(0);
                s.setErrorChecks(0);
                if (s.paused()) {
                    t.message(stepMessage(policy, s, route, prefix + "check passed (" + check.summary()
                            + "); holding until resumed"));
                    t.requeue(policy.interval());
                    return;
                }
                Duration dwelt = Duration.between(Instant.parse(s.getStepReadyAt()), t.now);
                if (dwelt.compareTo(policy.minDwell()) < 0) {
                    // The sequential judge may show a canary no worse within seconds; a step still lasts minDwell.
                    t.message(stepMessage(policy, s, route, prefix + "check passed (" + check.summary()
                            + "); the step lasts at least " + Durations.format(policy.minDwell()) + " (minDwell)"));
                    t.requeue(policy.interval());
                    return;
                }
                Gate gate = check.gate();
                if (gate != null && !gate.open()) {
                    boolean last = policy.isLastStep(s.getStepIndex());
                    String waiting = "check passed (" + check.summary() + "); waiting for "
                            + (last ? "confirm-promotion: " : "confirm-traffic-increase: ") + gate.detail();
                    if (last) {
                        t.enter(Phase.WaitingPromotion, stepMessage(policy, s, route, prefix + waiting),
                                RolloutEvent.normal("WaitingPromotion", "every step passed; revision "
                                        + s.getCanaryRevision() + " waits for confirm-promotion: " + gate.detail()));
                    } else {
                        t.message(stepMessage(policy, s, route, prefix + waiting));
                    }
                    t.requeue(policy.interval());
                    return;
                }
                if (policy.isLastStep(s.getStepIndex())) {
                    s.setStepStartedAt(t.nowText);
                    s.setStepReadyAt(null);
                    String message = "promoting revision " + s.getCanaryRevision() + ": all " + policy.stepCount()
                            + " steps passed; the primary takes the canary's revision";
                    t.enter(Phase.Promoting, message, RolloutEvent.normal("Promoting", message));
                    t.requeue(Duration.ZERO);
                    return;
                }
                enterStep(t, policy, s.getStepIndex() + 1);
                s.setPhase(Phase.Progressing);
                t.event(RolloutEvent.normal("StepAdvanced", "step " + (s.getStepIndex() + 1) + "/"
                        + policy.stepCount() + ": " + s.getWeight() + "% after " + check.summary()));
                t.message(stepMessage(policy, s, checksText(s)));
                t.requeue(Duration.ZERO);
            }
            case FAIL -> {
                int failed = count(s.getFailedChecks()) + 1;
                s.setFailedChecks(failed);
                s.setNoDataChecks(0);
                s.setErrorChecks(0);
                if (failed > policy.failureLimit()) {
                    rollBack(t, policy, check.summary());
                    return;
                }
                t.event(RolloutEvent.warning("CheckFailed", "check failed (" + failed + " of "
                        + policy.failureLimit() + " tolerated): " + check.summary()));
                t.message(stepMessage(policy, s, route, prefix + "check failed (" + failed + " of "
                        + policy.failureLimit() + " tolerated): " + check.summary()));
                t.requeue(policy.interval());
            }
            case NO_DATA -> {
                // firstSamplesBy is at most half the no-data allowance, so this never delays a no-data rollback.
                if (awaitingFirstSamples(policy, s, t.now)) {
                    s.setErrorChecks(0);
                    t.message(stepMessage(policy, s, route, prefix + "waiting for the canary's first samples ("
                            + check.summary() + "); looking again in " + Durations.format(policy.relook())));
                    t.requeue(policy.relook());
                    return;
                }
                int inARow = count(s.getNoDataChecks()) + 1;
                s.setNoDataChecks(inARow);
                s.setErrorChecks(0);
                holdOrRollBackNoData(t, policy, route, prefix, check, inARow);
            }
            case ERROR -> {
                int inARow = count(s.getErrorChecks()) + 1;
                s.setErrorChecks(inARow);
                s.setNoDataChecks(0);
                holdOrRollBack(t, policy, route, prefix, check, inARow, policy.errorLimit(), "with a query error",
                        "CheckError");
            }
            case INCONCLUSIVE -> {
                // Evidence is still coming in: the step holds and the next check looks again (maxDwell bounds it).
                s.setNoDataChecks(0);
                s.setErrorChecks(0);
                t.message(stepMessage(policy, s, route, prefix + "gathering evidence: " + check.summary()));
                t.requeue(policy.interval());
            }
        }
    }

    /** No data, or a query error: neither pass nor fail. The step holds; enough of them in a row roll back. */
    private void holdOrRollBack(Transition t, RolloutPolicy policy, RouteStatus route, String prefix,
            CheckOutcome check, int inARow, int limit, String what, String reason) {
        if (inARow >= limit) {
            rollBack(t, policy, inARow + " checks in a row " + what + " (limit " + limit + "): " + check.summary());
            return;
        }
        t.event(RolloutEvent.warning(reason, "check " + what + " (" + inARow + " of " + limit
                + " in a row roll back): " + check.summary()));
        t.message(stepMessage(policy, t.s, route, prefix + "holding: check " + what + " (" + inARow + "/" + limit
                + "): " + check.summary()));
        t.requeue(policy.interval());
    }

    /**
     * No data: the step holds. It rolls back once there has been no data for noDataLimit windows, measured in time
     * from the last look that found data, so a short cadence does not turn a scrape gap into a rollback.
     */
    private void holdOrRollBackNoData(Transition t, RolloutPolicy policy, RouteStatus route, String prefix,
            CheckOutcome check, int inARow) {
        Duration without = Duration.between(Instant.parse(t.s.getNoDataSince()), t.now);
        Duration allowance = policy.noDataAllowance();
        String limit = Durations.format(allowance) + ": noDataLimit " + policy.noDataLimit() + " × window "
                + Durations.format(policy.window());
        String fortime = Durations.format(without.truncatedTo(ChronoUnit.SECONDS));
        if (without.compareTo(allowance) >= 0) {
            rollBack(t, policy, "no data for " + fortime + " (limit " + limit + "): " + check.summary());
            return;
        }
        t.event(RolloutEvent.warning("CheckNoData", "check without data (" + fortime + " without, " + limit
                + " roll back): " + check.summary()));
        t.message(stepMessage(policy, t.s, route, prefix + "holding: no data for " + fortime + " (" + inARow
                + (inARow == 1 ? " check" : " checks") + "; rolled back at " + Durations.format(allowance) + "): "
                + check.summary()));
        t.requeue(policy.interval());
    }

    private void rollBack(Transition t, RolloutPolicy policy, String reason) {
        CanaryStatus s = t.s;
        String at = "step " + (s.getStepIndex() + 1) + "/" + policy.stepCount() + " (" + s.getWeight() + "%)";
        clearSplit(s);
        s.setRolledBackRevision(s.getCanaryRevision());
        String message = "rolled back revision " + s.getCanaryRevision() + " at " + at + ": " + reason;
        t.enter(Phase.RolledBack, message, RolloutEvent.warning("RolledBack", message));
        t.requeue(pollInterval);
    }

    private void promoting(Transition t, RolloutPolicy policy, WorldView world) {
        CanaryStatus s = t.s;
        if (!world.targetRevision().equals(s.getCanaryRevision())
                && !Objects.equals(world.primaryRevision(), s.getCanaryRevision())) {
            // Git moved on before the primary took the template: the new revision is tested from the start.
            replaceMidRun(t, policy, world, "before its promotion");
            return;
        }
        if (Objects.equals(world.primaryRevision(), s.getCanaryRevision()) && world.primaryReady()) {
            Duration took = s.getRunStartedAt() == null
                    ? Duration.ZERO
                    : Duration.between(Instant.parse(s.getRunStartedAt()), t.now).truncatedTo(ChronoUnit.SECONDS);
            s.setStableRevision(s.getCanaryRevision());
            clearSplit(s);
            s.setStepStartedAt(null);
            String message = "promoted revision " + s.getCanaryRevision() + " after " + policy.stepCount()
                    + " steps in " + Durations.format(took);
            t.enter(Phase.Succeeded, message, RolloutEvent.normal("Succeeded", message));
            t.requeue(pollInterval);
            return;
        }
        String waiting = "primary " + world.primaryStatus();
        if (!world.route().waitingFor().isEmpty()) {
            waiting += " (waiting for " + world.route().waitingFor() + ")";
        }
        if (t.now.isAfter(deadline(s, policy))) {
            String message = "promotion of " + s.getCanaryRevision() + " stuck: " + waiting + " after "
                    + Durations.format(policy.progressDeadline())
                    + " (progressDeadline); the canary keeps serving while the controller waits";
            t.enter(Phase.Failed, message, RolloutEvent.warning("ProgressDeadlineExceeded", message));
        } else {
            t.enter(Phase.Promoting, "promoting revision " + s.getCanaryRevision() + ": " + waiting, null);
        }
        t.requeue(pollInterval);
    }

    private static String stepMessage(RolloutPolicy policy, CanaryStatus s, String detail) {
        return "step " + (s.getStepIndex() + 1) + "/" + policy.stepCount() + ": " + s.getWeight() + "%, " + detail;
    }

    private static String stepMessage(RolloutPolicy policy, CanaryStatus s, RouteStatus route, String detail) {
        String where = route.detail();
        if (route.effectiveWeight() != s.getWeight()) {
            where += ", effective " + route.effectiveWeight() + "%";
        }
        return "step " + (s.getStepIndex() + 1) + "/" + policy.stepCount() + ": " + s.getWeight() + "% (" + where
                + "), " + detail;
    }

    private static String checksText(CanaryStatus s) {
        int passed = count(s.getPassedChecks());
        return passed + (passed == 1 ? " check" : " checks") + " passed";
    }

    private static String stepsText(RolloutPolicy policy) {
        StringBuilder out = new StringBuilder("(");
        for (int w : policy.steps()) {
            if (out.length() > 1) {
                out.append(" → ");
            }
            out.append(w).append('%');
        }
        return out.append(')').toString();
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }

    /** The status being derived, with the events and requeue time that go with it. */
    private static final class Transition {

        final CanaryStatus s;
        final Instant now;
        final String nowText;
        final long generation;
        final List<RolloutEvent> events = new ArrayList<>();
        Duration requeue;

        Transition(long generation, CanaryStatus current, Instant now) {
            this.s = current == null ? new CanaryStatus() : new CanaryStatus(current);
            this.now = now.truncatedTo(ChronoUnit.MILLIS);
            this.nowText = this.now.toString();
            this.generation = generation;
        }

        /** Moves to a phase; the Event is recorded only when the phase really changes. */
        void enter(Phase phase, String message, RolloutEvent onChange) {
            if (s.getPhase() != phase && onChange != null) {
                events.add(onChange);
            }
            s.setPhase(phase);
            s.setMessage(message);
        }

        void message(String message) {
            s.setMessage(message);
        }

        void event(RolloutEvent event) {
            events.add(event);
        }

        void requeue(Duration after) {
            requeue = after.isNegative() ? Duration.ZERO : after;
        }

        Decision decision() {
            s.setObservedGeneration(generation);
            String pausedBy = pausedPrefix(s);
            if (s.paused() && s.getMessage() != null && !s.getMessage().startsWith(pausedBy)) {
                s.setMessage(pausedBy + s.getMessage());
            }
            Phase phase = s.getPhase();
            boolean ready = phase == Phase.Ready || phase == Phase.Succeeded;
            setCondition(CONDITION_READY, ready, phase.name(), s.getMessage());
            boolean progressing = phase == Phase.Progressing || phase == Phase.WaitingPromotion
                    || phase == Phase.Promoting || phase == Phase.Initializing;
            setCondition(CONDITION_PROGRESSING, progressing, phase.name(), s.getMessage());
            // What kstatus (Flux healthChecks, Helm 4's --wait, kpt) reads: Reconciling=True is "in progress",
            // Stalled=True "failed", neither with the generation observed "current"; never both True at once.
            setCondition(CONDITION_RECONCILING, progressing || phase == Phase.Waiting, phase.name(), s.getMessage());
            boolean stalled = phase == Phase.RolledBack || phase == Phase.Failed || phase == Phase.Invalid;
            setCondition(CONDITION_STALLED, stalled, phase.name(), s.getMessage());
            return new Decision(s, events, requeue);
        }

        private void setCondition(String type, boolean value, String reason, String message) {
            List<Condition> conditions = s.getConditions() == null ? new ArrayList<>() : s.getConditions();
            Condition c = conditions.stream().filter(x -> type.equals(x.getType())).findFirst().orElse(null);
            String status = value ? Condition.TRUE : Condition.FALSE;
            if (c == null) {
                c = new Condition();
                c.setType(type);
                conditions.add(c);
            }
            if (!status.equals(c.getStatus())) {
                c.setLastTransitionTime(nowText);
            }
            c.setStatus(status);
            c.setReason(reason);
            c.setMessage(message);
            c.setObservedGeneration(generation);
            s.setConditions(conditions);
        }
    }
}
