package dev.aegis.canary.backtest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.rollout.CheckOutcome;
import dev.aegis.canary.rollout.Decision;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RolloutPolicy;
import dev.aegis.canary.rollout.RolloutStateMachine;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.WorldView;

/**
 * A run replayed over a past window: the controller's own state machine, fed the checks a past Prometheus answers,
 * in a world that follows every step at once. So the verdicts, the failure and no-data counting and the moment of
 * rollback or promotion are exactly the controller's, without a cluster. Pure: the checks come from the caller.
 */
public final class Replay {

    /** The revision the replayed run tests, and the one it starts from. */
    static final String CANDIDATE = "candidate";
    static final String STABLE = "stable";
    /** A guard against a state machine that stops moving time forward; a window has far fewer checks. */
    private static final int MAX_ROUNDS = 100_000;

    /** Answers one check at a past moment, for the status the run has then. */
    @FunctionalInterface
    public interface Checks {

        CheckOutcome at(Instant time, CanaryStatus status);
    }

    /** One check: when, at which step and weight, and what it found. */
    public record Check(Instant at, int step, int weight, CheckOutcome outcome) {
    }

    /** What people would have been told, and when. */
    public record Told(Instant at, RolloutEvent event) {
    }

    public enum Ending {
        /** Every step passed: the revision would have been promoted. */
        PROMOTED,
        /** A check breached its limits: the revision would have been rolled back. */
        ROLLED_BACK,
        /** The window ended first. */
        WINDOW_ENDED
    }

    /**
     * @param ending how the run ended
     * @param at when
     * @param message the Canary's message then
     */
    public record Result(List<Check> checks, List<Told> told, Ending ending, Instant at, String message) {

        public Result {
            checks = List.copyOf(checks);
            told = List.copyOf(told);
        }
    }

    private Replay() {
    }

    /** Replays a run that starts at {@code from} (the canary ready at its first step at once) until {@code to}. */
    public static Result run(RolloutPolicy policy, Instant from, Instant to, Checks checks) {
        RolloutStateMachine machine = new RolloutStateMachine(Duration.ofSeconds(1), Duration.ofMinutes(5));
        List<Check> done = new ArrayList<>();
        List<Told> told = new ArrayList<>();
        // First sight, then the new revision: the same path a real run takes.
        CanaryStatus status = machine.next(1, policy, null, world(STABLE, 0), null, from).status();
        Instant now = from;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            WorldView world = world(CANDIDATE, status.getWeight() == null ? 0 : status.getWeight());
            CheckOutcome check = null;
            if (machine.isCheckDue(policy, status, world, now)) {
                check = checks.at(now, status);
                done.add(new Check(now, status.getStepIndex(), status.getWeight(), check));
            }
            Decision decision = machine.next(1, policy, status, world, check, now);
            for (RolloutEvent e : decision.events()) {
                told.add(new Told(now, e));
            }
            status = decision.status();
            if (status.getPhase() == Phase.Promoting || status.getPhase() == Phase.Succeeded) {
                return new Result(done, told, Ending.PROMOTED, now, status.getMessage());
            }
            if (status.getPhase() == Phase.RolledBack) {
                return new Result(done, told, Ending.ROLLED_BACK, now, status.getMessage());
            }
            if (status.getPhase() == Phase.Progressing && status.getStepReadyAt() != null) {
                Instant next = RolloutStateMachine.nextCheckAt(policy, status);
                if (next.isAfter(to)) {
                    return new Result(done, told, Ending.WINDOW_ENDED, to, status.getMessage());
                }
                if (next.isAfter(now)) {
                    now = next;
                }
            }
        }
        throw new IllegalStateException("the replay did not end within " + MAX_ROUNDS + " rounds");
    }

    /** The primary runs the stable revision and is ready; the route is always in effect. */
    private static WorldView world(String targetRevision, int weight) {
        return new WorldView(targetRevision, null, STABLE, true, "replayed",
                RouteStatus.reached(weight, 0, 0, RouteStatus.Unit.PODS));
    }
}
