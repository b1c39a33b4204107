package dev.aegis.canary.rollout;

import static dev.aegis.canary.rollout.RouteStatus.Unit.PODS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.Condition;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;

/** Drives the state machine tick by tick, as the reconciler would, and asserts what users see in status. */
class RolloutStateMachineTest {

    static final Duration INTERVAL = Duration.ofSeconds(60);
    static final RolloutPolicy POLICY = new RolloutPolicy(List.of(1, 10, 50, 100), INTERVAL, Duration.ofMinutes(10),
            0, 3, 3);
    static final String STABLE = "aaaa1111";
    static final String CANARY = "bbbb2222";
    static final String NEWER = "cccc3333";

    final RolloutStateMachine machine = new RolloutStateMachine(Duration.ofSeconds(5), Duration.ofMinutes(5));

    /** The controller's memory between reconciles, and the clock. */
    final class Run {

        RolloutPolicy policy = POLICY;
        CanaryStatus status;
        Instant now = Instant.parse("2026-11-23T10:00:00Z");
        final List<RolloutEvent> events = new ArrayList<>();
        Decision last;

        Decision tick(WorldView world) {
            return tick(world, null);
        }

        Decision tick(WorldView world, CheckOutcome check) {
            last = machine.next(7, policy, status, world, check, now);
            status = last.status();
            events.addAll(last.events());
            return last;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        boolean due(WorldView world) {
            return machine.isCheckDue(policy, status, world, now);
        }
    }

    static WorldView world(String target, String primary, boolean primaryReady, RouteStatus route) {
        return new WorldView(target, null, primary, primaryReady, primaryReady
                ? "10/10 pods ready"
                : "0/10 pods ready", route);
    }

    static WorldView idle(String target) {
        return world(target, STABLE, true, RouteStatus.reached(0, 0, 10, PODS));
    }

    static WorldView splitReached(int effective) {
        return world(CANARY, STABLE, true, RouteStatus.reached(effective, 1, 10, PODS));
    }

    static WorldView splitWaiting() {
        return world(CANARY, STABLE, true, RouteStatus.waiting(0, 1, 10, PODS, "canary: 0/1 pods ready"));
    }

    static CheckOutcome pass() {
        return CheckOutcome.of(List.of(new MetricResult("success-rate", 99.9, ">= 99", CheckResult.Pass, null, "q",
                "t")));
    }

    static CheckOutcome fail() {
        return CheckOutcome.of(List.of(new MetricResult("success-rate", 91.8, ">= 99", CheckResult.Fail, null, "q",
                "t")));
    }

    static CheckOutcome noData() {
        return CheckOutcome.of(List.of(new MetricResult("success-rate", null, ">= 99", CheckResult.NoData,
                "no samples: the query matched no series", "q", "t")));
    }

    /** A Canary that is Ready with STABLE on the primary. */
    Run ready() {
        Run run = new Run();
        run.tick(world(STABLE, null, false, RouteStatus.waiting(0, 0, 10, PODS, "")));
        run.tick(world(STABLE, STABLE, true, RouteStatus.waiting(0, 0, 10, PODS, "")));
        run.events.clear();
        return run;
    }

    /** A run of CANARY whose canary is ready at the first step, with the first check due. */
    Run atFirstCheck() {
        Run run = ready();
        run.tick(idle(CANARY));
        run.tick(splitReached(10));
        run.advance(INTERVAL);
        return run;
    }

    static CheckOutcome inconclusive() {
        return CheckOutcome.of(List.of(new MetricResult("errors", 0.2, MetricText.SEQUENTIAL + "failed <= primary + "
                + "0.5 pp (99% confident)", CheckResult.Inconclusive,
                "canary failed 0.2% vs primary 0.1% over 300 "
                        + "requests; not yet 99% confident either way (margin 0.5 pp)",
                "q", "t")));
    }

    /** Sequential judge: a look every 10 s, minDwell 1m. */
    static final RolloutPolicy SEQUENTIAL = new RolloutPolicy(List.of(1, 10, 50, 100), Duration.ofSeconds(10),
            Duration.ofMinutes(10), 0, 3, 3, new SequentialPolicy(0.5, 99, 100, Duration.ofMinutes(1), Duration
                    .ofMinutes(5)));

    @Test
    void underTheSequentialJudgeAnInconclusiveLookHoldsTheStepAndANoWorseOneWaitsForMinDwell() {
        Run run = ready();
        run.policy = SEQUENTIAL;
        run.tick(idle(CANARY));
        run.tick(splitReached(10));
        run.events.clear();
        for (int look = 1; look <= 3; look++) {
            run.advance(Duration.ofSeconds(10));
            assertThat(run.due(splitReached(10))).isTrue();
            Decision d = run.tick(splitReached(10), inconclusive());
            assertThat(d.status().getWeight()).isEqualTo(1);
            assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
            assertThat(d.status().getFailedChecks()).isZero();
            assertThat(d.status().getNoDataChecks()).isZero();
            assertThat(d.status().getMessage()).contains("gathering evidence: errors: canary failed 0.2% vs "
                    + "primary 0.1% over 300 requests");
            assertThat(d.requeueAfter()).isEqualTo(Duration.ofSeconds(10));
        }
        assertThat(run.events).isEmpty();
        run.advance(Duration.ofSeconds(10)); // 40 s into the step: shown no worse, but minDwell is 1m
        Decision d = run.tick(splitReached(10), pass());
        assertThat(d.status().getWeight()).isEqualTo(1);
        assertThat(d.status().getMessage()).contains("the step lasts at least 1m (minDwell)");
        run.advance(Duration.ofSeconds(10));
        run.tick(splitReached(10), pass());
        assertThat(run.status.getWeight()).isEqualTo(1);
        run.advance(Duration.ofSeconds(10)); // 60 s: the step ends on the evidence
        d = run.tick(splitReached(10), pass());
        assertThat(d.status().getWeight()).isEqualTo(10);
        assertThat(run.events).extracting(RolloutEvent::reason).containsExactly("StepAdvanced");
    }

    @Test
    void firstSightCreatesThePrimaryAndIsReadyWhenItIs() {
        Run run = new Run();
        Decision d = run.tick(world(STABLE, null, false, RouteStatus.waiting(0, 0, 10, PODS, "")));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Initializing);
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.INITIALIZE);
        assertThat(d.status().getObservedGeneration()).isEqualTo(7);

        d = run.tick(world(STABLE, STABLE, true, RouteStatus.waiting(0, 0, 10, PODS, "")));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Ready);
        assertThat(d.status().getStableRevision()).isEqualTo(STABLE);
        assertThat(d.status().getWeight()).isZero();
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.STABLE);
        assertThat(run.events).extracting(RolloutEvent::reason).containsExactly("Initializing", "Initialized");
        assertThat(condition(d.status(), "Ready").getStatus()).isEqualTo(Condition.TRUE);
    }

    @Test
    void aPrimaryThatNeverBecomesReadyFailsAfterTheDeadlineAndRecoversWhenItDoes() {
        Run run = new Run();
        WorldView notReady = world(STABLE, STABLE, false, RouteStatus.waiting(0, 0, 10, PODS, ""));
        run.tick(notReady);
        run.advance(Duration.ofMinutes(11));
        Decision d = run.tick(notReady);
        assertThat(d.status().getPhase()).isEqualTo(Phase.Failed);
        assertThat(d.status().getMessage()).contains("initialization stuck").contains("progressDeadline");
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.INITIALIZE);
        assertThat(run.last.events()).extracting(RolloutEvent::reason).containsExactly("ProgressDeadlineExceeded");

        d = run.tick(world(STABLE, STABLE, true, RouteStatus.waiting(0, 0, 10, PODS, "")));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Ready);
    }

    @Test
    void aNewRevisionStartsARunAtTheFirstStep() {
        Run run = ready();
        Decision d = run.tick(idle(CANARY));
        CanaryStatus s = d.status();
        assertThat(s.getPhase()).isEqualTo(Phase.Progressing);
        assertThat(s.getCanaryRevision()).isEqualTo(CANARY);
        assertThat(s.getStableRevision()).isEqualTo(STABLE);
        assertThat(s.getStepIndex()).isZero();
        assertThat(s.getWeight()).isEqualTo(1);
        assertThat(s.getFailedChecks()).isZero();
        assertThat(TrafficIntent.of(s)).isEqualTo(new TrafficIntent(TrafficIntent.Kind.SPLIT, 1));
        assertThat(d.requeueAfter()).isZero();
        assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("NewRevision");
        assertThat(d.events().get(0).message()).contains("1% → 10% → 50% → 100%");
    }

    @Test
    void aStepHoldsUntilTheCanaryIsReadyThenDwellsAnIntervalBeforeTheFirstCheck() {
        Run run = ready();
        run.tick(idle(CANARY));
        Decision d = run.tick(splitWaiting());
        assertThat(d.status().getMessage()).isEqualTo(
                "step 1/4: 1% (1/10 pods, effective 0%), waiting for canary: 0/1 pods ready");
        assertThat(d.status().getStepReadyAt()).isNull();
        assertThat(run.due(splitWaiting())).isFalse();

        run.advance(Duration.ofSeconds(3));
        d = run.tick(splitReached(10));
        assertThat(d.status().getStepReadyAt()).isEqualTo(run.now.toString());
        assertThat(d.status().getEffectiveWeight()).isEqualTo(10);
        assertThat(d.requeueAfter()).isEqualTo(INTERVAL);

        run.advance(INTERVAL.minusSeconds(1));
        assertThat(run.due(splitReached(10))).isFalse();
        d = run.tick(splitReached(10));
        assertThat(d.requeueAfter()).isEqualTo(Duration.ofSeconds(1));
        run.advance(Duration.ofSeconds(1));
        assertThat(run.due(splitReached(10))).isTrue();
    }

    @Test
    void anOutcomeMustComeExactlyWhenACheckIsDue() {
        Run run = ready();
        run.tick(idle(CANARY));
        assertThatThrownBy(() -> run.tick(splitReached(10), pass())).isInstanceOf(IllegalArgumentException.class);
        Run due = atFirstCheck();
        assertThatThrownBy(() -> due.tick(splitReached(10))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHealthyRunGoesThroughEveryStepAndIsPromoted() {
        Run run = atFirstCheck();
        List<Integer> weights = new ArrayList<>();
        weights.add(run.status.getWeight());
        for (int step = 0; step < 4; step++) {
            Decision d = run.tick(splitReached(run.status.getWeight()), pass());
            if (d.status().getPhase() == Phase.Progressing) {
                weights.add(d.status().getWeight());
                assertThat(d.status().getStepReadyAt()).isNull();
                run.tick(splitReached(d.status().getWeight()));
                run.advance(INTERVAL);
            }
        }
        assertThat(weights).containsExactly(1, 10, 50, 100);
        assertThat(run.status.getPhase()).isEqualTo(Phase.Promoting);
        assertThat(run.status.getPassedChecks()).isEqualTo(4);
        assertThat(TrafficIntent.of(run.status).kind()).isEqualTo(TrafficIntent.Kind.PROMOTE);

        Decision d = run.tick(world(CANARY, STABLE, true, RouteStatus.reached(100, 10, 10, PODS)));
        assertThat(d.status().getPhase()).as("the primary has not taken the template yet").isEqualTo(Phase.Promoting);
        d = run.tick(world(CANARY, CANARY, false, RouteStatus.reached(100, 10, 10, PODS)));
        assertThat(d.status().getPhase()).as("the primary is not ready yet").isEqualTo(Phase.Promoting);
        run.advance(Duration.ofSeconds(20));
        d = run.tick(world(CANARY, CANARY, true, RouteStatus.reached(100, 10, 10, PODS)));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(d.status().getStableRevision()).isEqualTo(CANARY);
        assertThat(d.status().getWeight()).isZero();
        assertThat(d.status().getMessage()).isEqualTo("promoted revision " + CANARY + " after 4 steps in 4m20s");
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.STABLE);
        assertThat(run.events).extracting(RolloutEvent::reason).containsExactly("NewRevision", "StepAdvanced",
                "StepAdvanced", "StepAdvanced", "Promoting", "Succeeded");
    }

    @Test
    void aFailedCheckOverTheLimitRollsBackAtOnceNamingMetricValueAndThreshold() {
        Run run = atFirstCheck();
        Decision d = run.tick(splitReached(10), fail());
        CanaryStatus s = d.status();
        assertThat(s.getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(s.getWeight()).isZero();
        assertThat(s.getFailedChecks()).isEqualTo(1);
        assertThat(s.getMessage()).isEqualTo(
                "rolled back revision " + CANARY + " at step 1/4 (1%): success-rate 91.8 (want >= 99)");
        assertThat(s.getLastAnalysis()).extracting(MetricResult::getValue).containsExactly(91.8);
        assertThat(TrafficIntent.of(s).kind()).isEqualTo(TrafficIntent.Kind.STABLE);
        assertThat(d.events()).singleElement().satisfies(e -> {
            assertThat(e.warning()).isTrue();
            assertThat(e.reason()).isEqualTo("RolledBack");
        });
        assertThat(condition(s, "Ready").getStatus()).isEqualTo(Condition.FALSE);
        assertThat(condition(s, "Ready").getReason()).isEqualTo("RolledBack");
    }

    @Test
    void failuresWithinTheLimitHoldTheStep() {
        Run run = atFirstCheck();
        run.policy = new RolloutPolicy(POLICY.steps(), INTERVAL, POLICY.progressDeadline(), 1, 3, 3);
        Decision d = run.tick(splitReached(10), fail());
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getStepIndex()).isZero();
        assertThat(d.status().getFailedChecks()).isEqualTo(1);
        assertThat(d.status().getMessage()).contains("check failed (1 of 1 tolerated)");
        assertThat(d.requeueAfter()).isEqualTo(INTERVAL);
        assertThat(run.due(splitReached(10))).isFalse();
        run.advance(INTERVAL);
        d = run.tick(splitReached(10), fail());
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
    }

    @Test
    void aFirstLookBeforePrometheusHasTheNewPodsIsLookedAtAgainAfterAScrapeWithoutAWarning() {
        Run run = atFirstCheck();
        run.policy = POLICY.withScrapeInterval(Duration.ofSeconds(15));
        Decision d = run.tick(splitReached(10), noData());
        assertThat(d.status().getMessage()).contains("waiting for the canary's first samples").contains(
                "looking again in 15s");
        assertThat(d.requeueAfter()).hasSeconds(15);
        run.advance(Duration.ofSeconds(14));
        assertThat(run.due(splitReached(10))).isFalse();
        run.advance(Duration.ofSeconds(1));
        assertThat(run.due(splitReached(10))).as("one scrape later, not a whole interval").isTrue();
        d = run.tick(splitReached(10), pass());
        assertThat(d.status().getWeight()).isEqualTo(10);
        assertThat(d.status().getNoDataChecks()).isZero();
        assertThat(d.status().getNoDataSince()).isNull();
        assertThat(d.events()).extracting(RolloutEvent::reason).doesNotContain("CheckNoData");
    }

    @Test
    void noDataHoldsTheStepAndRollsBackAfterTheLimitInWindows() {
        Run run = atFirstCheck();
        Decision d = run.tick(splitReached(10), noData());
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getWeight()).as("no data is not a pass").isEqualTo(1);
        // Prometheus may not have discovered and scraped the new pods yet: looked at again after a scrape (1 s
        // when the scrape interval is unknown), no Warning, for discovery's 5 s batch and two scrapes
        assertThat(d.status().getNoDataChecks()).isZero();
        assertThat(d.status().getMessage()).contains("waiting for the canary's first samples (success-rate: no data "
                + "(no samples").contains("looking again in 1s");
        assertThat(d.events()).isEmpty();
        assertThat(d.requeueAfter()).hasSeconds(1);
        for (int i = 0; i < 4; i++) {
            run.advance(Duration.ofSeconds(1));
            assertThat(run.due(splitReached(10))).as("a second later").isTrue();
            d = run.tick(splitReached(10), noData());
            assertThat(d.status().getMessage()).contains("waiting for the canary's first samples");
        }
        run.advance(Duration.ofSeconds(1));
        d = run.tick(splitReached(10), noData());
        assertThat(d.status().getNoDataChecks()).as("5 s after the first look, no data is no data").isEqualTo(1);
        assertThat(d.status().getMessage()).contains("holding: no data for 1m5s (1 check; rolled back at 3m)")
                .contains("success-rate: no data (no samples");
        assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("CheckNoData");
        assertThat(run.due(splitReached(10))).isFalse();
        run.advance(INTERVAL);
        run.tick(splitReached(10), noData());
        run.advance(INTERVAL);
        d = run.tick(splitReached(10), pass());
        assertThat(d.status().getNoDataChecks()).as("a pass resets the count").isZero();
        assertThat(d.status().getWeight()).isEqualTo(10);
        run.tick(splitReached(10));
        for (int i = 0; i < 3; i++) {
            run.advance(INTERVAL);
            d = run.tick(splitReached(10), noData());
        }
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getMessage()).contains("at step 2/4 (10%): no data for 3m (limit 3m: noDataLimit 3 × "
                + "window 1m)").contains("no data");
    }

    /** The sequential judge's cadence: a look every 2 s, Prometheus scraping every 1.5 s (a 6 s window). */
    static final RolloutPolicy SHORT_CADENCE = new RolloutPolicy(List.of(1, 10, 50, 100), Duration.ofSeconds(2),
            Duration.ofMinutes(10), 0, 3, 3, new SequentialPolicy(0.5, 99, 100, Duration.ofMinutes(1), Duration
                    .ofMinutes(5)),
            Duration.ofMillis(1500));

    @Test
    void aShortCadenceNeitherShrinksTheWindowNorTurnsAScrapeGapIntoARollback() {
        Run run = ready();
        run.policy = SHORT_CADENCE;
        assertThat(SHORT_CADENCE.window()).as("four scrapes, longer than the 2 s cadence").hasSeconds(6);
        run.tick(idle(CANARY));
        Decision d = run.tick(splitReached(10));
        assertThat(d.status().getMessage()).contains("canary ready, first check in 3s");
        run.advance(Duration.ofSeconds(2));
        assertThat(run.due(splitReached(10))).as("the first look waits for two scrapes of the new pods").isFalse();
        run.advance(Duration.ofSeconds(1));
        assertThat(run.due(splitReached(10))).isTrue();
        run.tick(splitReached(10), inconclusive());
        // A scrape gap: three looks in a row (6 s) find nothing, which a count of looks would have rolled back.
        for (int i = 0; i < 3; i++) {
            run.advance(Duration.ofSeconds(2));
            assertThat(run.due(splitReached(10))).as("every 2 s after the first").isTrue();
            d = run.tick(splitReached(10), noData());
        }
        assertThat(d.status().getPhase()).as("6 s without data is within 3 windows of 6 s").isEqualTo(
                Phase.Progressing);
        assertThat(d.status().getMessage()).contains("holding: no data for 6s (3 checks; rolled back at 18s)");
        run.advance(Duration.ofSeconds(2));
        d = run.tick(splitReached(10), inconclusive());
        assertThat(d.status().getNoDataSince()).as("data is back").isNull();
        for (int i = 0; i < 8; i++) {
            run.advance(Duration.ofSeconds(2));
            d = run.tick(splitReached(10), noData());
        }
        assertThat(d.status().getPhase()).as("16 s without data").isEqualTo(Phase.Progressing);
        run.advance(Duration.ofSeconds(2));
        d = run.tick(splitReached(10), noData());
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getMessage()).contains("no data for 18s (limit 18s: noDataLimit 3 × window 6s)");
    }

    static WorldView canaryGone() {
        return world(CANARY, STABLE, true, RouteStatus.waiting(0, 1, 10, PODS, "canary: 0/1 pods ready")
                .withCanaryServing(0));
    }

    @Test
    void aCanaryWithNothingServingPausesChecksAndItsEvidenceStartsOverWhenItServesAgain() {
        Run run = atFirstCheck();
        run.tick(splitReached(10), pass());
        run.tick(splitReached(10));
        Decision d = run.tick(splitReached(10));
        assertThat(d.status().getWeight()).isEqualTo(10);
        Instant readyAt = Instant.parse(d.status().getStepReadyAt());
        run.advance(Duration.ofSeconds(30));
        d = run.tick(canaryGone());
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getMessage()).contains("no canary pods serving: checks wait");
        assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("CanaryUnavailable");
        for (int i = 0; i < 8; i++) {
            run.advance(INTERVAL);
            assertThat(run.due(canaryGone())).as("no check while nothing of the canary serves").isFalse();
            d = run.tick(canaryGone());
            assertThat(d.status().getPhase()).as("no verdict on a canary that is not there").isEqualTo(
                    Phase.Progressing);
        }
        assertThat(d.events()).as("told once").isEmpty();
        run.advance(INTERVAL);
        d = run.tick(splitReached(10));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("CanaryRestored");
        assertThat(d.status().getMessage()).isEqualTo("step 2/4: 10% (1/10 pods), the canary serves again after 9m "
                + "without; the step's evidence starts over, first check in 1m");
        assertThat(Instant.parse(d.status().getStepReadyAt())).isAfter(readyAt);
        assertThat(run.due(splitReached(10))).isFalse();
        run.advance(INTERVAL);
        assertThat(run.due(splitReached(10))).isTrue();
        d = run.tick(splitReached(10), pass());
        assertThat(d.status().getWeight()).isEqualTo(50);
    }

    @Test
    void aCanaryGoneLongerThanTheProgressDeadlineIsRolledBackForReadinessNotData() {
        Run run = atFirstCheck();
        run.tick(splitReached(10), pass());
        run.tick(splitReached(10));
        run.advance(Duration.ofSeconds(30));
        run.tick(canaryGone());
        run.advance(Duration.ofMinutes(10).plusSeconds(1));
        Decision d = run.tick(canaryGone());
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getMessage()).contains("canary not ready for more than 10m (progressDeadline): "
                + "canary: 0/1 pods ready").doesNotContain("no data");
    }

    static CheckOutcome error() {
        return CheckOutcome.of(List.of(new MetricResult("success-rate", null, ">= 99", CheckResult.Error,
                "Prometheus at http://prometheus:9090 did not answer within 5s (aegis.prometheus.timeout)", "q", "t")));
    }

    @Test
    void queryErrorsAndMissingDataCountSeparatelyEachAgainstItsOwnLimit() {
        Run run = atFirstCheck();
        run.policy = new RolloutPolicy(POLICY.steps(), INTERVAL, POLICY.progressDeadline(), 0, 3, 2);
        Decision d = run.tick(splitReached(10), error());
        assertThat(d.status().getErrorChecks()).isEqualTo(1);
        assertThat(d.status().getMessage()).contains("holding: check with a query error (1/2)");
        assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("CheckError");
        run.advance(INTERVAL);
        d = run.tick(splitReached(10), noData());
        assertThat(d.status().getNoDataChecks()).isEqualTo(1);
        assertThat(d.status().getErrorChecks()).as("a no-data check breaks a run of errors").isZero();
        run.advance(INTERVAL);
        run.tick(splitReached(10), error());
        run.advance(INTERVAL);
        d = run.tick(splitReached(10), error());
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getMessage()).contains("2 checks in a row with a query error (limit 2): success-rate:"
                + " error (Prometheus at http://prometheus:9090 did not answer within 5s (aegis.prometheus.timeout))");
    }

    @Test
    void aRolledBackRevisionIsNotTriedAgainButTheNextOneIs() {
        Run run = atFirstCheck();
        run.tick(splitReached(10), fail());
        Decision d = run.tick(idle(CANARY));
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.events()).isEmpty();
        d = run.tick(idle(NEWER));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getCanaryRevision()).isEqualTo(NEWER);
        assertThat(d.status().getFailedChecks()).isZero();
    }

    @Test
    void aNewerRevisionMidRunRestartsAtTheFirstStep() {
        Run run = atFirstCheck();
        run.policy = new RolloutPolicy(POLICY.steps(), INTERVAL, POLICY.progressDeadline(), 5, 3, 3);
        run.tick(splitReached(10), fail());
        run.advance(INTERVAL);
        run.tick(splitReached(10), pass());
        assertThat(run.status.getWeight()).isEqualTo(10);

        Decision d = run.tick(world(NEWER, STABLE, true, RouteStatus.reached(10, 1, 10, PODS)));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getCanaryRevision()).isEqualTo(NEWER);
        assertThat(d.status().getStepIndex()).isZero();
        assertThat(d.status().getWeight()).isEqualTo(1);
        assertThat(d.status().getFailedChecks()).isZero();
        assertThat(d.status().getStepReadyAt()).isNull();
        assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("RevisionChanged");
    }

    @Test
    void gitRevertingToTheStableRevisionMidRunCancelsTheRun() {
        Run run = atFirstCheck();
        Decision d = run.tick(world(STABLE, STABLE, true, RouteStatus.reached(10, 1, 10, PODS)));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Ready);
        assertThat(d.status().getWeight()).isZero();
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.STABLE);
    }

    @Test
    void aCanaryThatNeverBecomesReadyIsRolledBackAfterTheProgressDeadline() {
        Run run = ready();
        run.tick(idle(CANARY));
        run.advance(Duration.ofMinutes(9));
        assertThat(run.tick(splitWaiting()).status().getPhase()).isEqualTo(Phase.Progressing);
        run.advance(Duration.ofMinutes(2));
        Decision d = run.tick(splitWaiting());
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getMessage()).isEqualTo("rolled back revision " + CANARY
                + " at step 1/4 (1%): canary not ready within 10m (progressDeadline): canary: 0/1 pods ready");
    }

    @Test
    void aCanaryThatStopsBeingReadyIsStillCheckedOnSchedule() {
        Run run = atFirstCheck();
        run.advance(Duration.ofSeconds(-1));
        Decision d = run.tick(splitWaiting());
        assertThat(d.status().getStepReadyAt()).as("the dwell is not started over").isNotNull();
        assertThat(d.status().getUnreadySince()).isEqualTo(run.now.toString());
        assertThat(d.status().getMessage()).contains("canary not ready for 0s (canary: 0/1 pods ready)");
        run.advance(Duration.ofSeconds(1));
        assertThat(run.due(splitWaiting())).as("a flapping canary is measured, not left unwatched").isTrue();
        d = run.tick(splitWaiting(), fail());
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
    }

    @Test
    void aCanaryUnreadyForTheDeadlineAfterItWasReadyIsRolledBack() {
        Run run = atFirstCheck();
        run.policy = new RolloutPolicy(POLICY.steps(), Duration.ofHours(1), Duration.ofMinutes(10), 0, 3, 3);
        run.tick(splitWaiting());
        run.advance(Duration.ofMinutes(5));
        assertThat(run.tick(splitReached(10)).status().getUnreadySince()).as("ready again").isNull();
        run.tick(splitWaiting());
        run.advance(Duration.ofMinutes(9));
        assertThat(run.tick(splitWaiting()).status().getPhase()).isEqualTo(Phase.Progressing);
        run.advance(Duration.ofMinutes(2));
        Decision d = run.tick(splitWaiting());
        assertThat(d.status().getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(d.status().getMessage()).contains("canary not ready for more than 10m (progressDeadline)");
    }

    @Test
    void stepsChangedMidRunContinueFromTheFirstNewStepAtOrAboveTheWeight() {
        Run run = atFirstCheck();
        run.tick(splitReached(10), pass());
        assertThat(run.status.getWeight()).isEqualTo(10);
        run.policy = new RolloutPolicy(List.of(5, 25, 100), INTERVAL, POLICY.progressDeadline(), 0, 3, 3);
        Decision d = run.tick(splitReached(10));
        assertThat(d.status().getStepIndex()).isEqualTo(1);
        assertThat(d.status().getWeight()).isEqualTo(25);
        assertThat(d.status().getStepReadyAt()).isNull();
        assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("StepsChanged");
        run.policy = new RolloutPolicy(List.of(100), INTERVAL, POLICY.progressDeadline(), 0, 3, 3);
        d = run.tick(splitReached(25));
        assertThat(d.status().getStepIndex()).isZero();
        assertThat(d.status().getWeight()).as("the 100% step is never skipped").isEqualTo(100);
    }

    @Test
    void anInvalidSpecKeepsTheRunsMemoryGivesTrafficBackToThePrimaryAndTheRunResumes() {
        Run run = atFirstCheck();
        run.tick(splitReached(10), pass());
        Decision d = machine.invalid(8, run.status, "spec.steps must end at 100, got 50", run.now);
        run.status = d.status();
        assertThat(d.status().getPhase()).isEqualTo(Phase.Invalid);
        assertThat(d.status().getMessage()).isEqualTo("invalid: spec.steps must end at 100, got 50");
        assertThat(d.status().getObservedGeneration()).isEqualTo(8);
        assertThat(d.status().getStepIndex()).isEqualTo(1);
        assertThat(d.status().getWeight()).isEqualTo(10);
        assertThat(d.status().getCanaryRevision()).isEqualTo(CANARY);
        assertThat(TrafficIntent.of(d.status()).kind()).as("a split that cannot be analysed goes back to the primary")
                .isEqualTo(TrafficIntent.Kind.STABLE);
        assertThat(TrafficIntent.of(machine.invalid(8, null, "x", run.now).status()).kind())
                .as("before the first initialization nothing is touched").isEqualTo(TrafficIntent.Kind.HOLD);
        assertThat(d.events()).singleElement().satisfies(e -> assertThat(e.reason()).isEqualTo("InvalidSpec"));
        assertThat(machine.invalid(8, d.status(), "spec.steps must end at 100, got 50", run.now).events())
                .as("one Event per change").isEmpty();
        assertThat(machine.invalid(8, d.status(), "spec.steps[0] must be in 1..100, got 0", run.now).events())
                .as("a new reason is a change").extracting(RolloutEvent::reason).containsExactly("InvalidSpec");

        d = run.tick(splitReached(10));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getStepIndex()).isEqualTo(1);
        assertThat(d.events()).extracting(RolloutEvent::reason).containsExactly("Resumed");
        assertThat(run.due(splitReached(10))).as("the dwell starts over").isFalse();
    }

    @Test
    void aSuspendedCanaryHoldsEverything() {
        Run run = atFirstCheck();
        Decision d = machine.suspended(7, run.status, run.now);
        assertThat(d.status().getPhase()).isEqualTo(Phase.Suspended);
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.HOLD);
        assertThat(d.status().getWeight()).isEqualTo(1);
    }

    @Test
    void aReadyConditionChangesItsTransitionTimeOnlyWhenItFlips() {
        Run run = ready();
        String readySince = condition(run.status, "Ready").getLastTransitionTime();
        run.advance(Duration.ofMinutes(1));
        run.tick(idle(STABLE));
        assertThat(condition(run.status, "Ready").getLastTransitionTime()).isEqualTo(readySince);
        run.tick(idle(CANARY));
        assertThat(condition(run.status, "Ready").getStatus()).isEqualTo(Condition.FALSE);
        assertThat(condition(run.status, "Ready").getLastTransitionTime()).isEqualTo(run.now.toString());
        assertThat(condition(run.status, "Progressing").getStatus()).isEqualTo(Condition.TRUE);
    }

    @Test
    void theKstatusConditionsSayInProgressDuringARunFailedAfterARollbackAndNeitherWhenReady() {
        Run run = ready();
        assertThat(kstatus(run.status)).isEqualTo("Ready=True Reconciling=False Stalled=False");
        run.tick(idle(CANARY));
        assertThat(run.status.getPhase()).isEqualTo(Phase.Progressing);
        assertThat(kstatus(run.status)).isEqualTo("Ready=False Reconciling=True Stalled=False");
        assertThat(condition(run.status, "Reconciling").getReason()).isEqualTo("Progressing");
        assertThat(condition(run.status, "Reconciling").getObservedGeneration()).isEqualTo(run.status
                .getObservedGeneration());
        run.tick(splitReached(10));
        run.advance(INTERVAL);
        run.tick(splitReached(10), fail());
        assertThat(run.status.getPhase()).isEqualTo(Phase.RolledBack);
        assertThat(kstatus(run.status)).isEqualTo("Ready=False Reconciling=False Stalled=True");
        assertThat(condition(run.status, "Stalled").getMessage()).isEqualTo(run.status.getMessage())
                .contains("success-rate 91.8 (want >= 99)");
        assertThat(kstatus(machine.invalid(8, run.status, "spec.steps must end at 100, got 50", run.now).status()))
                .isEqualTo("Ready=False Reconciling=False Stalled=True");
        assertThat(kstatus(machine.suspended(7, run.status, run.now).status())).as("nothing to wait for")
                .isEqualTo("Ready=False Reconciling=False Stalled=False");
    }

    /** The three conditions kstatus and kubectl wait read, in one line. */
    static String kstatus(CanaryStatus s) {
        return Stream.of("Ready", "Reconciling", "Stalled").map(t -> t + "=" + condition(s, t).getStatus())
                .collect(Collectors.joining(" "));
    }

    @Test
    void gitChangingTheReplicaCountChangesTheTotal() {
        Run run = ready();
        run.tick(new WorldView(STABLE, 20, STABLE, true, "10/10 pods ready", RouteStatus.reached(0, 0, 10, PODS)));
        assertThat(run.status.getTotalReplicas()).isEqualTo(20);
    }

    @Test
    void aStuckPromotionFailsKeepsTheCanaryServingAndRecovers() {
        Run run = atFirstCheck();
        run.status.setStepIndex(3);
        run.status.setWeight(100);
        run.tick(splitReached(100), pass());
        assertThat(run.status.getPhase()).isEqualTo(Phase.Promoting);
        run.advance(Duration.ofMinutes(11));
        Decision d = run.tick(world(CANARY, CANARY, false, RouteStatus.reached(100, 10, 10, PODS)));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Failed);
        assertThat(TrafficIntent.of(d.status()).kind()).isEqualTo(TrafficIntent.Kind.PROMOTE);
        d = run.tick(world(CANARY, CANARY, true, RouteStatus.reached(100, 10, 10, PODS)));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Succeeded);
    }

    @Test
    void aNewRevisionBeforeThePrimaryTookTheTemplateRestartsTheRun() {
        Run run = atFirstCheck();
        run.status.setStepIndex(3);
        run.status.setWeight(100);
        run.tick(splitReached(100), pass());
        Decision d = run.tick(world(NEWER, STABLE, true, RouteStatus.reached(100, 10, 10, PODS)));
        assertThat(d.status().getPhase()).isEqualTo(Phase.Progressing);
        assertThat(d.status().getCanaryRevision()).isEqualTo(NEWER);
        assertThat(d.status().getWeight()).isEqualTo(1);
    }

    static Condition condition(CanaryStatus s, String type) {
        return s.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }
}
