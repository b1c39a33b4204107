package dev.aegis.canary.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.metrics) || self.metrics.all(m, self.metrics.exists_one(n, n.name == m.name))", message = "metric names must be unique")
@ValidationRule(value = "!has(self.metrics) || (has(self.judge) && self.judge == 'sequential') || self.metrics.all(m, has(m.thresholdRange) || has(m.compare))", message = "a metric needs thresholdRange, compare or both (or analysis.judge: sequential and a template with counts)")
public class AnalysisSpec {

    /** How checks turn into decisions. */
    public enum JudgeType {
        /** Each check compares every metric's value with its bounds (thresholdRange, compare). */
        threshold,
        /** As threshold, and metrics whose template counts requests are compared with the primary sequentially. */
        sequential
    }

    @JsonPropertyDescription("threshold (default): every metric against its bounds at each check. sequential: metrics whose template has counts compare the canary's failed requests with the primary's at every check and decide as soon as the evidence is strong.")
    private JudgeType judge;

    @JsonPropertyDescription("Settings of the sequential judge.")
    private SequentialSpec sequential;

    @Pattern(Schema.DURATION)
    @ValidationRule(value = Schema.AT_MOST_A_DAY, message = "must be at most 24h")
    @JsonPropertyDescription("Time between checks; with the threshold judge also the least time spent on a step (the sequential judge has minDwell). Default: aegis.analysis.default-interval (1m).")
    private String interval;

    @Min(0)
    @JsonPropertyDescription("Failed checks tolerated in one run; one more rolls back. Default 0.")
    private Integer failureLimit;

    @Min(1)
    @JsonPropertyDescription("Checks in a row with no data for some metric (no series, NaN) that roll back. Default: aegis.analysis.no-data-limit (3).")
    private Integer noDataLimit;

    @Min(1)
    @JsonPropertyDescription("Checks in a row with a query error (timeout, HTTP error, several series) that roll back. Default: aegis.analysis.error-limit (3).")
    private Integer errorLimit;

    @Size(max = 20)
    @JsonPropertyDescription("The checks: each names a template and the bounds of its value.")
    private List<MetricSpec> metrics;

    public JudgeType getJudge() {
        return judge;
    }

    public void setJudge(JudgeType judge) {
        this.judge = judge;
    }

    public SequentialSpec getSequential() {
        return sequential;
    }

    public void setSequential(SequentialSpec sequential) {
        this.sequential = sequential;
    }

    public String getInterval() {
        return interval;
    }

    public void setInterval(String interval) {
        this.interval = interval;
    }

    public Integer getFailureLimit() {
        return failureLimit;
    }

    public void setFailureLimit(Integer failureLimit) {
        this.failureLimit = failureLimit;
    }

    public Integer getNoDataLimit() {
        return noDataLimit;
    }

    public void setNoDataLimit(Integer noDataLimit) {
        this.noDataLimit = noDataLimit;
    }

    public Integer getErrorLimit() {
        return errorLimit;
    }

    public void setErrorLimit(Integer errorLimit) {
        this.errorLimit = errorLimit;
    }

    public List<MetricSpec> getMetrics() {
        return metrics;
    }

    public void setMetrics(List<MetricSpec> metrics) {
        this.metrics = metrics == null ? null : new ArrayList<>(metrics);
    }
}
