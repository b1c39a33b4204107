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
    @JsonPropertyDescription("Checks in a row with no data for some metric (no series, NaN) that roll back. Default: aegis.analysis.no-data-limit (3).")
    private Integer noDataLimit;

    @Min(1)
    @JsonPropertyDescription("Checks in a row with a query error (timeout, HTTP error, several series) that roll back. Default: aegis.analysis.error-limit (3).")
    private Integer errorLimit;

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
