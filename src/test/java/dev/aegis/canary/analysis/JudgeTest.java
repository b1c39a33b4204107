package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.analysis.QueryResult.FailureKind;
import dev.aegis.canary.api.CheckResult;
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
}
