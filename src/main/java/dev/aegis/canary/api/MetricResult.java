package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One metric's last check, as shown in {@code status.lastAnalysis}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricResult {

    private String metric;
    private Double value;
    private String range;
    private CheckResult result;
    private String reason;
    private String query;
    private String time;

    public MetricResult() {
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
