package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.analysis.SequentialJudge.Counts;
import dev.aegis.canary.analysis.SequentialJudge.Decision;
import dev.aegis.canary.analysis.SequentialJudge.Settings;
import dev.aegis.canary.analysis.SequentialJudge.Verdict;
import dev.aegis.canary.rollout.SequentialPolicy;

class SequentialJudgeTest {

    /** The defaults: 0.5 pp margin, 99% for a run, 100 canary requests first. */
    private static final SequentialPolicy POLICY = new SequentialPolicy(0.5, 99, 100, Duration.ofMinutes(1),
            Duration.ofMinutes(5));
    /** The defaults at a step of a 4-step run with one metric compared. */
    private static Settings defaults(int step) {
        return new Settings(POLICY.marginPoints() / 100, POLICY.alphaPerTest(step, 4, 1), POLICY.minSamples());
    }

    @Test
    void theEvidenceIsWaldsLikelihoodRatioAveragedOverTheAlternatives() {
        // 5 failures in 100 requests, tested at 2% against the alternative 4%: 2^5 * (0.96/0.98)^95 (Wald, 1945).
        double wald = 5 * Math.log(2) + 95 * (Math.log(0.96) - Math.log(0.98));
        assertThat(SequentialJudge.logEvidence(new Counts(100, 5), 0.02, new double[]{2})).isCloseTo(wald, within(
                1e-12));
        // Two alternatives weigh half each: log((LR(4%) + LR(1%)) / 2).
        double half = 5 * Math.log(0.5) + 95 * (Math.log(0.99) - Math.log(0.98));
        assertThat(SequentialJudge.logEvidence(new Counts(100, 5), 0.02, new double[]{2, 0.5})).isCloseTo(Math.log(
                (Math.exp(wald) + Math.exp(half)) / 2), within(1e-12));
        // No failure at all against the alternative 0: 1 / (1 - p)^n.
        assertThat(SequentialJudge.logEvidence(new Counts(50, 0), 0.1, new double[]{0})).isCloseTo(-50 * Math.log(
                0.9), within(1e-12));
    }

    @Test
    void boundsHoldTheObservedRatioAndAreWiderThanAFixedSampleInterval() {
        Counts c = new Counts(10_000, 100);
        double low = SequentialJudge.lowerBound(c, 0.005);
        double high = SequentialJudge.upperBound(c, 0.005);
        // A 99% interval for one look only (normal approximation): 1% +- 2.576 * sqrt(0.01 * 0.99 / 10000).
        double fixed = 2.576 * Math.sqrt(0.01 * 0.99 / 10_000);
        assertThat(low).isLessThan(0.01 - fixed).isGreaterThan(0.01 - 2 * fixed);
        assertThat(high).isGreaterThan(0.01 + fixed).isLessThan(0.01 + 2 * fixed);
        assertThat(SequentialJudge.lowerBound(new Counts(500, 0), 0.01)).isZero();
        assertThat(SequentialJudge.upperBound(new Counts(0, 0), 0.01)).isEqualTo(1);
        assertThat(SequentialJudge.upperBound(new Counts(500, 0), 0.01)).isBetween(0.001, 0.02);
        assertThat(SequentialJudge.lowerBound(new Counts(500, 500), 0.01)).isBetween(0.9, 1.0);
    }

    @Test
    void boundsHoldAtEveryLookTogether() {
        // 2,000 sequences of 5,000 requests failing 1%, looked at every 50 requests (100 looks each): the true
        // ratio leaves the 95% bounds in at most 5% of the sequences, however often they are looked at.
        Random random = new Random(7);
        int escaped = 0;
        for (int run = 0; run < 2000; run++) {
            long failed = 0;
            for (int n = 50; n <= 5000; n += 50) {
                failed += binomial(random, 50, 0.01);
                Counts c = new Counts(n, failed);
                if (SequentialJudge.lowerBound(c, 0.025) > 0.01 || SequentialJudge.upperBound(c, 0.025) < 0.01) {
                    escaped++;
                    break;
                }
            }
        }
        assertThat(escaped).isLessThanOrEqualTo(100);
    }

    @Test
    void aCanaryFailingFarMoreThanThePrimaryIsWorseAndOneFailingAsLittleIsNoWorse() {
        Verdict bad = SequentialJudge.judge(new Counts(1240, 60), new Counts(111_600, 112), defaults(1));
        assertThat(bad.decision()).isEqualTo(Decision.WORSE);
        assertThat(bad.explain(99)).isEqualTo("canary failed 4.8% vs primary 0.1% over 1,240 requests; 99% confident "
                + "it is worse by more than 0.5 pp");
        Verdict good = SequentialJudge.judge(new Counts(6000, 5), new Counts(54_000, 50), defaults(1));
        assertThat(good.decision()).isEqualTo(Decision.NO_WORSE);
        assertThat(good.explain(99)).isEqualTo("canary failed 0.083% vs primary 0.093% over 6,000 requests; 99% "
                + "confident it is worse by less than 0.5 pp, if at all");
        Verdict early = SequentialJudge.judge(new Counts(80, 40), new Counts(8000, 8), defaults(1));
        assertThat(early.decision()).as("fewer than minSamples").isEqualTo(Decision.UNDECIDED);
        assertThat(early.explain(99)).endsWith("waiting for 100 canary requests");
        Verdict unsure = SequentialJudge.judge(new Counts(300, 2), new Counts(30_000, 30), defaults(1));
        assertThat(unsure.decision()).isEqualTo(Decision.UNDECIDED);
        assertThat(unsure.explain(99)).endsWith("not yet 99% confident either way (margin 0.5 pp)");
    }

    @Test
    void aPrimaryThatServesNothingIsStoodInForByItsLastRatio() {
        Verdict v = SequentialJudge.judge(new Counts(2000, 100), 0.001, defaults(1));
        assertThat(v.decision()).isEqualTo(Decision.WORSE);
        assertThat(v.explain(99)).startsWith("canary failed 5% vs primary 0.1% over 2,000 requests");
    }

    @Test
    void countsAreCheckedAndPrometheusDecimalsRounded() {
        assertThat(Counts.of(1240.4, 59.6)).isEqualTo(new Counts(1240, 60));
        assertThat(Counts.of(10, 11)).isEqualTo(new Counts(10, 10));
        assertThatThrownBy(() -> new Counts(10, 11)).hasMessageContaining("failed <= requests");
    }

    /**
     * 1,000 simulated healthy releases at the defaults: the canary fails as often as the primary (0.1%), 500 req/s,
     * steps 1, 10, 50, 100%, a look every 10 s, minDwell 1m, maxDwell 5m. The run's confidence is 99%, so at most 1%
     * may be rolled back; in fact none is.
     */
    @Test
    void healthyReleasesAreRolledBackNoMoreOftenThanTheConfidenceAllows() {
        Random random = new Random(11);
        int rolledBack = 0;
        int decidedEarly = 0;
        for (int release = 0; release < 1000; release++) {
            Release r = Release.play(random, 0.001, 0.001);
            rolledBack += r.rolledBack ? 1 : 0;
            decidedEarly += r.stepsShownNoWorse;
        }
        System.out.printf("healthy: %d of 1000 rolled back; %d of 4000 steps shown no worse before maxDwell%n",
                rolledBack, decidedEarly);
        assertThat(rolledBack).isLessThanOrEqualTo(10);
        assertThat(decidedEarly).as("most steps end early on evidence").isGreaterThan(2000);
    }

    /** 1,000 simulated bad releases each at 2%, 5% and 20% failed requests: every one is rolled back at 1%. */
    @Test
    void badReleasesAreAllCaughtAtTheFirstStep() {
        Random random = new Random(13);
        for (double bad : List.of(0.02, 0.05, 0.20)) {
            long failedServed = 0;
            long requestsToVerdict = 0;
            for (int release = 0; release < 1000; release++) {
                Release r = Release.play(random, 0.001, bad);
                assertThat(r.rolledBack).isTrue();
                assertThat(r.rolledBackAtStep).isZero();
                failedServed += r.canaryFailed;
                requestsToVerdict += r.canaryRequests;
            }
            System.out.printf("%.0f%% bad: rolled back 1000 of 1000 at step 1; on average %d canary requests, %d "
                    + "of them failed%n", bad * 100, requestsToVerdict / 1000, failedServed / 1000);
        }
    }

    /** One release as the sequential judge sees it, counts drawn request by request. */
    private static final class Release {

        static final int[] STEPS = {1, 10, 50, 100};
        static final int RATE = 500;
        static final int LOOK_SECONDS = 10;
        static final int MIN_DWELL = 60;
        static final int MAX_DWELL = 300;

        boolean rolledBack;
        int rolledBackAtStep = -1;
        int stepsShownNoWorse;
        long canaryRequests;
        long canaryFailed;

        static Release play(Random random, double primaryRatio, double canaryRatio) {
            Release r = new Release();
            double lastPrimary = primaryRatio;
            for (int step = 0; step < STEPS.length; step++) {
                long cn = 0;
                long cx = 0;
                long pn = 0;
                long px = 0;
                for (int t = LOOK_SECONDS; t <= MAX_DWELL; t += LOOK_SECONDS) {
                    int canaryRequests = RATE * LOOK_SECONDS * STEPS[step] / 100;
                    int primaryRequests = RATE * LOOK_SECONDS - canaryRequests;
                    long failed = binomial(random, canaryRequests, canaryRatio);
                    cn += canaryRequests;
                    cx += failed;
                    if (step == 0) {
                        r.canaryRequests += canaryRequests;
                        r.canaryFailed += failed;
                    }
                    pn += primaryRequests;
                    px += binomial(random, primaryRequests, primaryRatio);
                    Settings settings = defaults(step);
                    Verdict v = pn == 0
                            ? SequentialJudge.judge(new Counts(cn, cx), lastPrimary, settings)
                            : SequentialJudge.judge(new Counts(cn, cx), new Counts(pn, px), settings);
                    if (v.decision() == Decision.WORSE) {
                        r.rolledBack = true;
                        r.rolledBackAtStep = step;
                        return r;
                    }
                    if (v.decision() == Decision.NO_WORSE && t >= MIN_DWELL) {
                        r.stepsShownNoWorse++;
                        break;
                    }
                    if (t == MAX_DWELL && (double) cx / cn - v.primaryRatio() > settings.margin()) {
                        r.rolledBack = true; // the observed difference decides after maxDwell
                        r.rolledBackAtStep = step;
                        return r;
                    }
                }
                if (pn > 0) {
                    lastPrimary = (double) px / pn;
                }
            }
            return r;
        }
    }

    /** Bernoulli trials counted by skipping ahead geometrically: fast for the small ratios these tests use. */
    static long binomial(Random random, long n, double p) {
        if (p <= 0) {
            return 0;
        }
        long count = 0;
        double logQ = Math.log1p(-p);
        long i = (long) Math.floor(Math.log(1 - random.nextDouble()) / logQ);
        while (i < n) {
            count++;
            i += 1 + (long) Math.floor(Math.log(1 - random.nextDouble()) / logQ);
        }
        return count;
    }
}
