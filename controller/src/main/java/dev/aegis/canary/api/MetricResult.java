package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One metric's last check, as shown in {@code status.lastAnalysis}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricResult {

    @JsonPropertyDescription("The metric's name, or webhook <name> for a check webhook.")
    private String metric;
    @JsonPropertyDescription("The canary's value; absent without data.")
    private Double value;
    /** The same query on the primary, when the metric compares with it. */
    @JsonPropertyDescription("The primary's value, for a metric with compare.")
    private Double baseline;
    @JsonPropertyDescription("What the value had to be, e.g. >= 99.")
    private String range;
    @JsonPropertyDescription("Pass, Fail, NoData (no sample, or NaN), Error (no answer: timeout, HTTP status, several series) or Inconclusive (the sequential judge needs more samples). Only Pass lets a step advance.")
    private CheckResult result;
    @JsonPropertyDescription("Why, when the result needs one (the query error, what had no data, the judge's figures).")
    private String reason;
    @JsonPropertyDescription("The exact query sent to Prometheus.")
    private String query;
    @JsonPropertyDescription("When the check ran.")
    private String time;
    /** Recorded only: a dry-run metric does not count in the check's verdict. */
    @JsonPropertyDescription("True for a dryRun metric: recorded, never acted on.")
    private Boolean dryRun;

    public MetricResult() {
    }

    public MetricResult(MetricResult other) {
        this(other.metric, other.value, other.range, other.result, other.reason, other.query, other.time);
        this.baseline = other.baseline;
        this.dryRun = other.dryRun;
    }

    public MetricResult(String metric, Double value, String range, CheckResult result, String reason, String query,
            String time) {
        this.metric = metric;
        this.value = value;
        this.range = range;
        this.result = result;
        this.reason = reason;
        this.query = query;
        this.time = time;
    }

    public String getMetric() {
        return metric;
    }

    public void setMetric(String metric) {
        this.metric = metric;
    }

    public Double getValue() {
        return value;
    }

    public void setValue(Double value) {
        this.value = value;
    }

    public Double getBaseline() {
        return baseline;
    }

    public void setBaseline(Double baseline) {
        this.baseline = baseline;
    }

    public Boolean getDryRun() {
        return dryRun;
    }

    public void setDryRun(Boolean dryRun) {
        this.dryRun = dryRun;
    }

    /** True for a dry-run metric's result. */
    public boolean dryRun() {
        return Boolean.TRUE.equals(dryRun);
    }

    public String getRange() {
        return range;
    }

    public void setRange(String range) {
        this.range = range;
    }

    public CheckResult getResult() {
        return result;
    }

    public void setResult(CheckResult result) {
        this.result = result;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getQuery() {
        return query;
    }

    public void setQuery(String query) {
        this.query = query;
    }

    public String getTime() {
        return time;
    }

    public void setTime(String time) {
        this.time = time;
    }
}
