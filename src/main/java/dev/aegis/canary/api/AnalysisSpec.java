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
public class AnalysisSpec {

    @Pattern(Schema.DURATION)
    @JsonPropertyDescription("Time between checks, and the least time spent on a step. Default: aegis.analysis.default-interval (1m).")
    private String interval;

    @Min(0)
    @JsonPropertyDescription("Failed checks tolerated in one run; one more rolls back. Default 0.")
    private Integer failureLimit;

    @Min(1)
    @JsonPropertyDescription("Inconclusive checks in a row (no data, query error) that roll back. Default: aegis.analysis.inconclusive-limit (3).")
    private Integer inconclusiveLimit;

    @Size(max = 20)
    private List<MetricSpec> metrics;

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

    public Integer getInconclusiveLimit() {
        return inconclusiveLimit;
    }

    public void setInconclusiveLimit(Integer inconclusiveLimit) {
        this.inconclusiveLimit = inconclusiveLimit;
    }

    public List<MetricSpec> getMetrics() {
        return metrics;
    }

    public void setMetrics(List<MetricSpec> metrics) {
        this.metrics = metrics == null ? null : new ArrayList<>(metrics);
    }
}
