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
    void anErrorWithoutAFailIsAnErrorCheckAndOutranksNoData() {
        CheckOutcome o = CheckOutcome.of(List.of(result("a", CheckResult.Pass, 99.5, null),
                result("b", CheckResult.NoData, null, "no samples"), result("c", CheckResult.Error, null, "timeout")));
        assertThat(o.verdict()).isEqualTo(CheckOutcome.Verdict.ERROR);
        assertThat(o.summary()).isEqualTo("c: error (timeout)");
    }

    @Test
    void noDataWithoutAFailOrErrorIsANoDataCheck() {
        CheckOutcome o = CheckOutcome.of(List.of(result("a", CheckResult.Pass, 99.5, null),
                result("b", CheckResult.NoData, null, "no samples")));
        assertThat(o.verdict()).isEqualTo(CheckOutcome.Verdict.NO_DATA);
        assertThat(o.summary()).isEqualTo("b: no data (no samples)");
    }

    @Test
    void metricsThatErredForTheSameReasonAreToldOnceWithAllTheirNames() {
        String down = "Prometheus at http://prometheus:9090 unreachable: Connection refused";
        CheckOutcome o = CheckOutcome.of(List.of(result("success-rate", CheckResult.Error, null, down),
                result("latency-p99", CheckResult.Error, null, down),
                result("throughput", CheckResult.Error, null, "HTTP 422: bad_data: parse error"),
                result("saturation", CheckResult.Error, null, down)));
        assertThat(o.verdict()).isEqualTo(CheckOutcome.Verdict.ERROR);
        assertThat(o.summary()).isEqualTo("success-rate, latency-p99, saturation: error (" + down + "); "
                + "throughput: error (HTTP 422: bad_data: parse error)");
        assertThat(o.results()).as("each metric keeps its own result").hasSize(4);

        CheckOutcome empty = CheckOutcome.of(List.of(result("a", CheckResult.NoData, null, "no samples"),
                result("b", CheckResult.NoData, null, "no samples")));
        assertThat(empty.summary()).isEqualTo("a, b: no data (no samples)");
        CheckOutcome failed = CheckOutcome.of(List.of(result("a", CheckResult.Fail, 91.8, null),
                result("b", CheckResult.Fail, 91.8, null)));
        assertThat(failed.summary()).as("values are told per metric").isEqualTo(
                "a 91.8 (want >= 99); b 91.8 (want >= 99)");
    }

    @Test
    void aDryRunMetricIsRecordedButDoesNotCount() {
        MetricResult dry = result("new-check", CheckResult.Fail, 50.0, null);
        dry.setDryRun(true);
        CheckOutcome o = CheckOutcome.of(List.of(result("a", CheckResult.Pass, 99.5, null), dry));
        assertThat(o.verdict()).isEqualTo(CheckOutcome.Verdict.PASS);
        assertThat(o.results()).hasSize(2);
        assertThat(MetricText.describe(dry)).isEqualTo("[dry run] new-check 50 (want >= 99)");
    }

    @Test
    void noMetricsPassesOnTimeAlone() {
        assertThat(CheckOutcome.of(List.of()).verdict()).isEqualTo(CheckOutcome.Verdict.PASS);
    }
}
