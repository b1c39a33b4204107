package dev.aegis.canary.rollout;

import static dev.aegis.canary.rollout.RolloutStateMachineTest.CANARY;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.INTERVAL;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.STABLE;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.fail;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.idle;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.pass;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.splitReached;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.Phase;
import dev.aegis.canary.rollout.RolloutStateMachineTest.Run;

/** Pause, resume, promote, abort and retry as the pure state machine takes them. */
class ManualRequestTest {

    final RolloutStateMachineTest machineTest = new RolloutStateMachineTest();

    Decision ask(Run run, String action, WorldView world) {
        ManualRequest request = ManualRequest.from(Map.of(ManualRequest.ANNOTATION, action,
                ManualRequest.BY_ANNOTATION, "alice")).orElseThrow();
        run.last = machineTest.machine.request(7, run.policy, run.status, world, request, run.now);
        run.status = run.last.status();
        run.events.addAll(run.last.events());
        return run.last;
    }

    @Test
    void theAnnotationIsReadWithWhoAskedAndAnythingElseIsNotAnAction() {
        assertThat(ManualRequest.from(Map.of())).isEmpty();
        assertThat(ManualRequest.from(Map.of(ManualRequest.ANNOTATION, " Promote "))).get()
                .extracting(ManualRequest::action, ManualRequest::by)
                .containsExactly(ManualRequest.Action.PROMOTE, "someone (no canary.aegis.dev/requested-by "
                        + "annotation)");
        assertThat(ManualRequest.from(Map.of(ManualRequest.ANNOTATION, "rollback"))).get()
                .extracting(ManualRequest::action).isNull();
    }

    @Test
    void aPausedRunPassesChecksButNeitherAdvancesNorPromotesAndStillRollsBack() {
        Run run = machineTest.atFirstCheck();
        ask(run, "pause", splitReached(10));
        assertThat(run.status.paused()).isTrue();
        assertThat(run.status.getPausedBy()).isEqualTo("alice");

        Decision d = run.tick(splitReached(10), pass());
        assertThat(d.status().getWeight()).isEqualTo(1);
        assertThat(d.status().getPassedChecks()).isEqualTo(1);
        assertThat(d.status().getMessage()).startsWith("paused by alice; step 1/4: 1% (").endsWith("holding until "
                + "resumed");
        run.advance(INTERVAL);
        d = run.tick(splitReached(10), fail());
        assertThat(d.status().getPhase()).as("a pause never holds a failing canary").isEqualTo(Phase.RolledBack);
    }

    @Test
    void resumeLetsTheNextPassingCheckAdvance() {
        Run run = machineTest.atFirstCheck();
        ask(run, "pause", splitReached(10));
        run.tick(splitReached(10), pass());
        Decision d = ask(run, "resume", splitReached(10));
        assertThat(d.status().getLastRequest().getOutcome()).isEqualTo("resumed (paused by alice)");
        assertThat(d.status().getMessage()).doesNotStartWith("paused");
        run.advance(INTERVAL);
        d = run.tick(splitReached(10), pass());
        assertThat(d.status().getWeight()).isEqualTo(10);
    }

    @Test
    void promoteSkipsToThePromotionAndAbortRollsBackNamingWhoAsked() {
        Run run = machineTest.atFirstCheck();
        Decision d = ask(run, "promote", splitReached(10));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Promoting);
        assertThat(d.status().getMessage()).isEqualTo("promoting revision " + CANARY + " at step 1/4 (1%), "
                + "skipping 3 steps: promote requested by alice");

        Run other = machineTest.atFirstCheck();
        d = ask(other, "abort", splitReached(10));
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getWeight()).isZero();
        assertThat(d.status().getMessage()).isEqualTo("rolled back revision " + CANARY + " at step 1/4 (1%): abort "
                + "requested by alice");
    }

    @Test
    void retryRunsTheRolledBackRevisionAgainFromTheFirstStep() {
        Run run = machineTest.atFirstCheck();
        run.tick(splitReached(10), fail());
        Decision d = ask(run, "retry", idle(CANARY));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getStepIndex()).isZero();
        assertThat(d.status().getFailedChecks()).isZero();
        assertThat(d.events()).extracting(RolloutEvent::reason).contains("RetryRequested");
    }

    @Test
    void aRequestThatDoesNotApplyChangesNothingButTheRecord() {
        Run run = machineTest.ready();
        var before = new dev.aegis.canary.api.CanaryStatus(run.status);
        for (String action : new String[]{"promote", "abort", "retry", "resume", "rollback"}) {
            Decision d = ask(run, action, idle(STABLE));
            assertThat(d.status().getPhase()).isEqualTo(Phase.Ready);
            assertThat(d.status().getLastRequest().getOutcome()).startsWith("ignored: ");
            assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("RequestIgnored");
            assertThat(d.status().getStableRevision()).isEqualTo(before.getStableRevision());
            assertThat(d.status().getWeight()).isEqualTo(before.getWeight());
        }
    }

    @Test
    void aNewerRevisionWhilePausedTakesTheSplitBackAndWaitsForResume() {
        Run run = machineTest.atFirstCheck();
        ask(run, "pause", splitReached(10));
        Decision d = run.tick(RolloutStateMachineTest.world(RolloutStateMachineTest.NEWER, STABLE, true,
                RouteStatus.reached(10, 1, 10, RouteStatus.Unit.PODS)));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Ready);
        assertThat(d.status().getWeight()).isZero();
        assertThat(d.status().getMessage()).startsWith("paused by alice; revision " + RolloutStateMachineTest.NEWER
                + " replaces " + CANARY + " mid-run and waits: resume to start its run");
        ask(run, "resume", idle(RolloutStateMachineTest.NEWER));
        d = run.tick(idle(RolloutStateMachineTest.NEWER));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getCanaryRevision()).isEqualTo(RolloutStateMachineTest.NEWER);
    }

    @Test
    void theSameRequestSeenAgainRightAfterItWasActedOnIsNotANewOne() {
        Run run = machineTest.atFirstCheck();
        ManualRequest abort = ManualRequest.from(Map.of(ManualRequest.ANNOTATION, "abort",
                ManualRequest.BY_ANNOTATION, "alice")).orElseThrow();
        assertThat(RolloutStateMachine.isRepeat(run.status, abort, run.now)).isFalse();
        ask(run, "abort", splitReached(10));
        assertThat(RolloutStateMachine.isRepeat(run.status, abort, run.now)).isTrue();
        ManualRequest other = ManualRequest.from(Map.of(ManualRequest.ANNOTATION, "abort",
                ManualRequest.BY_ANNOTATION, "bob")).orElseThrow();
        assertThat(RolloutStateMachine.isRepeat(run.status, other, run.now)).as("someone else asking").isFalse();
        assertThat(RolloutStateMachine.isRepeat(run.status, abort, run.now.plus(java.time.Duration.ofMinutes(5))))
                .isFalse();
    }

    @Test
    void aRequestIdTellsTwoIdenticalRequestsApart() {
        Run run = machineTest.atFirstCheck();
        ManualRequest first = ManualRequest.from(Map.of(ManualRequest.ANNOTATION, "pause",
                ManualRequest.BY_ANNOTATION, "alice", ManualRequest.ID_ANNOTATION, "a1")).orElseThrow();
        run.last = machineTest.machine.request(7, run.policy, run.status, splitReached(10), first, run.now);
        run.status = run.last.status();
        assertThat(run.status.getLastRequest().getId()).isEqualTo("a1");
        assertThat(RolloutStateMachine.isRepeat(run.status, first, run.now.plus(java.time.Duration.ofHours(1))))
                .as("the same id is the same request, however late").isTrue();
        ManualRequest second = ManualRequest.from(Map.of(ManualRequest.ANNOTATION, "pause",
                ManualRequest.BY_ANNOTATION, "alice", ManualRequest.ID_ANNOTATION, "b2")).orElseThrow();
        assertThat(RolloutStateMachine.isRepeat(run.status, second, run.now)).as("a new id is a new request")
                .isFalse();
    }
}
