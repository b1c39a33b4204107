package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.analysis.QueryResult.FailureKind;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.CompareSpec;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.ThresholdRange;

class JudgeTest {

    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final ThresholdRange MIN_99 = new ThresholdRange(99.0, null);
    private static final ThresholdRange MAX_500 = new ThresholdRange(null, 500.0);

    private static MetricResult judge(ThresholdRange range, QueryResult result) {
        return Judge.judge("m", range, result, "q", NOW);
    }

    @Test
    void aValueInsideTheRangePassesAndBoundsAreInclusive() {
        assertThat(judge(MIN_99, new QueryResult.Sample(99.93)).getResult()).isEqualTo(CheckResult.Pass);
        assertThat(judge(MIN_99, new QueryResult.Sample(99.0)).getResult()).isEqualTo(CheckResult.Pass);
        assertThat(judge(MAX_500, new QueryResult.Sample(500.0)).getResult()).isEqualTo(CheckResult.Pass);
        assertThat(judge(new ThresholdRange(1.0, 5.0), new QueryResult.Sample(3)).getResult())
                .isEqualTo(CheckResult.Pass);
    }

    @Test
    void aValueOutsideTheRangeFailsWithValueAndRangeRecorded() {
        MetricResult r = judge(MIN_99, new QueryResult.Sample(91.8));
        assertThat(r.getResult()).isEqualTo(CheckResult.Fail);
        assertThat(r.getValue()).isEqualTo(91.8);
        assertThat(r.getRange()).isEqualTo(">= 99");
        assertThat(judge(MAX_500, new QueryResult.Sample(500.01)).getResult()).isEqualTo(CheckResult.Fail);
        assertThat(Judge.describe(new ThresholdRange(1.0, 5.5))).isEqualTo(">= 1 and <= 5.5");
    }

    @Test
    void infinityFailsTheBoundItCrossesIsNeverStoredAndNeverPasses() {
        MetricResult slow = judge(MAX_500, new QueryResult.Sample(Double.POSITIVE_INFINITY));
        assertThat(slow.getResult()).isEqualTo(CheckResult.Fail);
        assertThat(slow.getValue()).as("the API server refuses a non-finite number").isNull();
        assertThat(slow.getReason()).isEqualTo("+Inf");
        assertThat(dev.aegis.canary.rollout.MetricText.describe(slow)).isEqualTo("m +Inf (want <= 500)");
        assertThat(judge(MIN_99, new QueryResult.Sample(Double.NEGATIVE_INFINITY)).getResult())
                .isEqualTo(CheckResult.Fail);
        MetricResult odd = judge(MIN_99, new QueryResult.Sample(Double.POSITIVE_INFINITY));
        assertThat(odd.getResult()).as("+Inf satisfies no min in a meaningful way").isEqualTo(CheckResult.NoData);
        assertThat(odd.getValue()).isNull();
    }

    static Judge.Criteria compare(ThresholdRange range, CompareSpec compare) {
        return new Judge.Criteria("success-rate", range, compare, false);
    }

    @Test
    void aCanaryWorseThanThePrimaryByMoreThanAllowedFailsWithBothValuesRecorded() {
        Judge.Criteria c = compare(new ThresholdRange(90.0, null), CompareSpec.maxDecrease(0.5));
        MetricResult worse = Judge.judge(c, new QueryResult.Sample(98.9), new QueryResult.Sample(99.9), "q", NOW);
        assertThat(worse.getResult()).isEqualTo(CheckResult.Fail);
        assertThat(worse.getValue()).isEqualTo(98.9);
        assertThat(worse.getBaseline()).isEqualTo(99.9);
        assertThat(worse.getRange()).isEqualTo(">= 90 and >= primary - 0.5");
        assertThat(dev.aegis.canary.rollout.MetricText.describe(worse))
                .isEqualTo("success-rate 98.9 (want >= 90 and >= primary - 0.5; primary 99.9)");
        MetricResult close = Judge.judge(c, new QueryResult.Sample(99.5), new QueryResult.Sample(99.9), "q", NOW);
        assertThat(close.getResult()).isEqualTo(CheckResult.Pass);
        assertThat(close.getBaseline()).isEqualTo(99.9);
        assertThat(Judge.judge(c, new QueryResult.Sample(99.4), new QueryResult.Sample(99.9), "q", NOW).getResult())
                .as("bounds are inclusive").isEqualTo(CheckResult.Pass);
    }

    @Test
    void ratiosAndIncreasesBoundTheCanaryRelativeToThePrimary() {
        CompareSpec ratio = new CompareSpec();
        ratio.setMaxRatio(1.2);
        Judge.Criteria latency = compare(null, ratio);
        assertThat(Judge.judge(latency, new QueryResult.Sample(130), new QueryResult.Sample(100), "q", NOW)
                .getResult()).isEqualTo(CheckResult.Fail);
        assertThat(Judge.judge(latency, new QueryResult.Sample(120), new QueryResult.Sample(100), "q", NOW)
                .getResult()).isEqualTo(CheckResult.Pass);
        assertThat(Judge.judge(latency, new QueryResult.Sample(1), new QueryResult.Sample(0), "q", NOW).getResult())
                .as("anything over a zero primary is infinitely more").isEqualTo(CheckResult.Fail);
        Judge.Criteria increase = compare(null, CompareSpec.maxIncrease(50));
        assertThat(Judge.judge(increase, new QueryResult.Sample(151), new QueryResult.Sample(100), "q", NOW)
                .getResult()).isEqualTo(CheckResult.Fail);
        CompareSpec floor = new CompareSpec();
        floor.setMinRatio(0.9);
        assertThat(Judge.judge(compare(null, floor), new QueryResult.Sample(80), new QueryResult.Sample(100), "q",
                NOW).getResult()).isEqualTo(CheckResult.Fail);
    }

    @Test
    void withoutThePrimarysValueThereIsNothingToCompareWith() {
        Judge.Criteria c = compare(null, CompareSpec.maxDecrease(0.5));
        MetricResult r = Judge.judge(c, new QueryResult.Sample(99.0), new QueryResult.NoSamples(), "q", NOW);
        assertThat(r.getResult()).isEqualTo(CheckResult.NoData);
        assertThat(r.getReason()).startsWith("primary: no samples");
        assertThat(Judge.judge(c, new QueryResult.Sample(99.0), new QueryResult.Failure(FailureKind.TIMEOUT, "slow"),
                "q", NOW).getResult()).isEqualTo(CheckResult.Error);
        assertThat(Judge.judge(compare(new ThresholdRange(99.5, null), CompareSpec.maxDecrease(0.5)),
                new QueryResult.Sample(99.0), new QueryResult.NoSamples(), "q", NOW).getResult())
                .as("a canary out of its own range fails whatever the primary").isEqualTo(CheckResult.Fail);
    }

    @Test
    void whenThePrimaryServesNothingTheCanaryIsComparedWithItsLastValue() {
        Judge.Criteria c = compare(null, CompareSpec.maxDecrease(0.5));
        MetricResult r = Judge.judge(c, new QueryResult.Sample(98.0), new QueryResult.NoSamples(), 99.9, "q", NOW);
        assertThat(r.getResult()).isEqualTo(CheckResult.Fail);
        assertThat(r.getBaseline()).isEqualTo(99.9);
        assertThat(r.getReason()).contains("compared with its value at the previous check");
        assertThat(Judge.judge(c, new QueryResult.Sample(98.0), new QueryResult.Failure(FailureKind.TIMEOUT, "slow"),
                99.9, "q", NOW).getResult()).as("an error is not the primary being idle").isEqualTo(CheckResult.Error);
    }

    @Test
    void aDryRunResultSaysSo() {
        MetricResult r = Judge.judge(new Judge.Criteria("m", MIN_99, null, true), new QueryResult.Sample(50), null,
                "q", NOW);
        assertThat(r.getResult()).isEqualTo(CheckResult.Fail);
        assertThat(r.dryRun()).isTrue();
    }

    @Test
    void nanAndNoSamplesAreNoDataNeverAPass() {
        MetricResult nan = judge(MIN_99, new QueryResult.Sample(Double.NaN));
        assertThat(nan.getResult()).isEqualTo(CheckResult.NoData);
        assertThat(nan.getReason()).startsWith("NaN");
        MetricResult empty = judge(MIN_99, new QueryResult.NoSamples());
        assertThat(empty.getResult()).isEqualTo(CheckResult.NoData);
        assertThat(empty.getReason()).startsWith("no samples");
        assertThat(empty.getValue()).isNull();
    }

    @Test
    void failuresAreErrorsWithTheirReason() {
        for (FailureKind kind : FailureKind.values()) {
            MetricResult r = judge(MAX_500, new QueryResult.Failure(kind, "why " + kind));
            assertThat(r.getResult()).as(kind.name()).isEqualTo(CheckResult.Error);
            assertThat(r.getReason()).isEqualTo("why " + kind);
        }
    }

    private static final Judge.Look LOOK = new Judge.Look(new SequentialJudge.Settings(0.005, 0.0025, 100), 99,
            java.time.Duration.ofMinutes(1), java.time.Duration.ofMinutes(5));

    private static QueryResult[] counts(QueryResult requests, QueryResult failed) {
        return new QueryResult[]{requests, failed};
    }

    @Test
    void aCountThatMatchesNoSeriesIsNoDataNamingThePartUnlessTheTemplateSaysItMeansZero() {
        QueryResult none = new QueryResult.NoSamples();
        QueryResult thousand = new QueryResult.Sample(1000);
        // The slow-count template with a bound that is no bucket: its failed part matches nothing. It must not
        // pass as "none slow".
        MetricResult slow = Judge.judgeCounts("slow-requests", "slow", false, Judge.Absence.NONE_IS_ZERO, counts(
                thousand, none), counts(thousand, new QueryResult.Sample(10)), null, LOOK, "q", NOW);
        assertThat(slow.getResult()).isEqualTo(CheckResult.NoData);
        assertThat(slow.getReason()).startsWith("no samples for the canary's slow requests: the query matched no "
                + "series");

        MetricResult primary = Judge.judgeCounts("slow-requests", "slow", false, Judge.Absence.NONE_IS_ZERO, counts(
                thousand, new QueryResult.Sample(5)), counts(thousand, none), null, LOOK, "q", NOW);
        assertThat(primary.getResult()).isEqualTo(CheckResult.NoData);
        assertThat(primary.getReason()).startsWith("no samples for the primary's slow requests");

        // An error counter never incremented has no series: the request-counts template declares that as zero.
        MetricResult errors = Judge.judgeCounts("errors", "failed", false, new Judge.Absence(false, true), counts(
                thousand, none), counts(thousand, none), null, LOOK, "q", NOW);
        assertThat(errors.getResult()).isNotEqualTo(CheckResult.NoData);
        assertThat(errors.getValue()).isEqualTo(0.0);

        MetricResult noRequests = Judge.judgeCounts("errors", "failed", false, new Judge.Absence(false, true),
                counts(none, none), counts(thousand, none), null, LOOK, "q", NOW);
        assertThat(noRequests.getResult()).as("requests are never declared zero here").isEqualTo(CheckResult.NoData);
        assertThat(noRequests.getReason()).startsWith("no samples for the canary's requests");
    }

    @Test
    void atTheLastStepThePrimaryServingNothingIsNotMissingData() {
        QueryResult none = new QueryResult.NoSamples();
        MetricResult r = Judge.judgeCounts("errors", "failed", false, Judge.Absence.NONE_IS_ZERO, counts(
                new QueryResult.Sample(1000), new QueryResult.Sample(1)), counts(none, none), 0.1, LOOK, "q", NOW);
        assertThat(r.getResult()).isNotEqualTo(CheckResult.NoData);
        assertThat(r.getBaseline()).isEqualTo(0.1);
    }
}
