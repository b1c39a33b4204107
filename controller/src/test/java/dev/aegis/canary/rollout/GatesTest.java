package dev.aegis.canary.rollout;

import static dev.aegis.canary.rollout.RolloutStateMachineTest.CANARY;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.INTERVAL;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.STABLE;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.fail;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.idle;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.pass;
import static dev.aegis.canary.rollout.RolloutStateMachineTest.splitReached;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.Phase;
import dev.aegis.canary.rollout.RolloutStateMachineTest.Run;

/** What the lifecycle webhooks' answers do to a run, in the pure state machine. */
class GatesTest {

    final RolloutStateMachineTest machineTest = new RolloutStateMachineTest();
    static final Gate NO = Gate.closed("webhook 'approve' answered HTTP 403");

    @Test
    void aClosedConfirmRolloutKeepsEverythingOnThePrimaryUntilItOpens() {
        Run run = machineTest.ready();
        assertThat(RolloutStateMachine.wouldStartRun(run.status, CANARY, STABLE)).isTrue();
        Decision d = run.tick(idle(CANARY).withConfirmRollout(NO));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Waiting);
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.STABLE);
        assertThat(d.status().getMessage()).isEqualTo("new revision " + CANARY + " waits for confirm-rollout: "
                + "webhook 'approve' answered HTTP 403 (stable " + STABLE + " serves on the primary)");
        assertThat(RolloutStateMachine.wouldStartRun(d.status(), CANARY, STABLE)).as("asked again while waiting")
                .isTrue();

        d = run.tick(idle(CANARY).withConfirmRollout(Gate.opened()));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getWeight()).isEqualTo(1);

        Run fixed = machineTest.ready();
        fixed.last = machineTest.machine.invalid(7, fixed.status, "spec.steps must end at 100", fixed.now);
        fixed.status = fixed.last.status();
        assertThat(RolloutStateMachine.wouldStartRun(fixed.status, CANARY, STABLE))
                .as("a Canary fixed after Invalid asks before it starts").isTrue();

        Run reverted = machineTest.ready();
        reverted.tick(idle(CANARY).withConfirmRollout(NO));
        assertThat(reverted.tick(idle(STABLE)).status().getPhase()).as("Git reverted while waiting")
                .isEqualTo(Phase.Ready);
    }

    @Test
    void aClosedTrafficGateHoldsTheStepWhileChecksGoOn() {
        Run run = machineTest.atFirstCheck();
        Decision d = run.tick(splitReached(10), pass().withGate(NO));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getWeight()).isEqualTo(1);
        assertThat(d.status().getMessage()).endsWith("waiting for confirm-traffic-increase: webhook 'approve' "
                + "answered HTTP 403");
        run.advance(INTERVAL);
        assertThat(run.due(splitReached(10))).isTrue();
        d = run.tick(splitReached(10), pass().withGate(Gate.opened()));
        assertThat(d.status().getWeight()).isEqualTo(10);
    }

    @Test
    void aClosedPromotionGateWaitsAtTheLastStepAndAFailureThereStillRollsBack() {
        Run run = machineTest.atFirstCheck();
        run.policy = new RolloutPolicy(List.of(1, 100), INTERVAL, Duration.ofMinutes(10), 0, 3, 3);
        run.tick(splitReached(10), pass());
        run.tick(splitReached(100));
        run.advance(INTERVAL);
        Decision d = run.tick(splitReached(100), pass().withGate(NO));
        assertThat(d.status().getPhase()).isEqualTo(Phase.WaitingPromotion);
        assertThat(TrafficIntent.of(d.status())).isEqualTo(new TrafficIntent(TrafficIntent.Kind.SPLIT, 100));
        run.advance(INTERVAL);
        assertThat(run.due(splitReached(100))).isTrue();
        d = run.tick(splitReached(100), fail());
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
    }

    @Test
    void anOpenPromotionGatePromotesAndARollbackHookRollsBackWhateverTheMetrics() {
        Run run = machineTest.atFirstCheck();
        run.policy = new RolloutPolicy(List.of(1, 100), INTERVAL, Duration.ofMinutes(10), 0, 3, 3);
        run.tick(splitReached(10), pass());
        run.tick(splitReached(100));
        run.advance(INTERVAL);
        run.tick(splitReached(100), pass().withGate(NO));
        run.advance(INTERVAL);
        assertThat(run.tick(splitReached(100), pass().withGate(Gate.opened())).status().getPhase())
                .isEqualTo(Phase.Promoting);

        Run other = machineTest.atFirstCheck();
        Decision d = other.tick(splitReached(10), pass().withRollbackBy("rollback webhook 'kill' answered HTTP 200"));
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getMessage()).endsWith(": rollback webhook 'kill' answered HTTP 200");
    }

    @Test
    void aNewerRevisionMidRunWaitsForAClosedConfirmRolloutWithEverythingOnThePrimary() {
        Run run = machineTest.atFirstCheck();
        assertThat(RolloutStateMachine.wouldStartRun(run.status, RolloutStateMachineTest.NEWER, STABLE)).isTrue();
        Decision d = run.tick(RolloutStateMachineTest.world(RolloutStateMachineTest.NEWER, STABLE, true,
                dev.aegis.canary.rollout.RouteStatus.reached(10, 1, 10, dev.aegis.canary.rollout.RouteStatus.Unit.PODS))
                .withConfirmRollout(NO));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Waiting);
        assertThat(d.status().getWeight()).isZero();
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.STABLE);
        assertThat(d.status().getMessage()).startsWith("revision " + RolloutStateMachineTest.NEWER + " replaces "
                + CANARY + " mid-run and waits for confirm-rollout: webhook 'approve' answered HTTP 403");
    }

    @Test
    void aRolledBackRevisionIsNotRunAgainAfterASuspension() {
        Run run = machineTest.atFirstCheck();
        run.tick(splitReached(10), fail());
        run.last = machineTest.machine.suspended(7, run.status, run.now);
        run.status = run.last.status();
        assertThat(RolloutStateMachine.wouldStartRun(run.status, CANARY, STABLE)).isFalse();
        Decision d = run.tick(idle(CANARY));
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getWeight()).isZero();
        assertThat(d.events()).extracting(RolloutEvent::reason).doesNotContain("NewRevision");
    }
}
