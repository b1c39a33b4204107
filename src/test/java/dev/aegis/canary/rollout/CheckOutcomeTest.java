package dev.aegis.canary.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;

class CheckOutcomeTest {

    static MetricResult result(String metric, CheckResult result, Double value, String reason) {
        return new MetricResult(metric, value, ">= 99", result, reason, "q", "t");
    }

    @Test
    void allPassPasses() {
        CheckOutcome o = CheckOutcome.of(List.of(result("a", CheckResult.Pass, 99.5, null),
                result("b", CheckResult.Pass, 99.9, null)));
        assertThat(o.verdict()).isEqualTo(CheckOutcome.Verdict.PASS);
    }

    @Test
    void anyFailFailsEvenBesideMissingData() {
        CheckOutcome o = CheckOutcome.of(List.of(result("a", CheckResult.NoData, null, "no samples"),
                result("b", CheckResult.Fail, 91.8, null)));
        assertThat(o.verdict()).isEqualTo(CheckOutcome.Verdict.FAIL);
        assertThat(o.summary()).isEqualTo("b 91.8 (want >= 99)");
    }

    @Test
    void noDataOrErrorWithoutAFailIsInconclusive() {
        CheckOutcome o = CheckOutcome.of(List.of(result("a", CheckResult.Pass, 99.5, null),
                result("b", CheckResult.Error, null, "timeout")));
        assertThat(o.verdict()).isEqualTo(CheckOutcome.Verdict.INCONCLUSIVE);
        assertThat(o.summary()).isEqualTo("b: error (timeout)");
    }

    @Test
    void noMetricsPassesOnTimeAlone() {
        assertThat(CheckOutcome.of(List.of()).verdict()).isEqualTo(CheckOutcome.Verdict.PASS);
    }
}
