package dev.aegis.canary.api;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricSpec {

    /** Bounded: the CEL rule "metric names must be unique" compares every pair, within the API server's cost budget. */
    public static final int NAME_MAX_LENGTH = 63;

    @Required
    @Pattern("^[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$")
    @Size(max = NAME_MAX_LENGTH)
    @JsonPropertyDescription("Unique among the Canary's metrics; names the metric in status, messages and the controller's metrics.")
    private String name;

    @Required
    @JsonPropertyDescription("The AnalysisTemplate or ClusterAnalysisTemplate whose query measures this metric.")
    private TemplateRef templateRef;

    @JsonPropertyDescription("Values for the template's declared args.")
    private Map<String, String> args;

    @JsonPropertyDescription("Bounds the canary's value must stay within.")
    private ThresholdRange thresholdRange;

    @JsonPropertyDescription("Bounds relative to the same query on the primary; with or instead of thresholdRange.")
    private CompareSpec compare;

    @JsonPropertyDescription("Records this metric's verdicts without acting on them: a check to try on live traffic.")
    private boolean dryRun;

    public MetricSpec() {
    }

    public MetricSpec(String name, TemplateRef templateRef, ThresholdRange thresholdRange) {
        this.name = name;
        this.templateRef = templateRef;
        this.thresholdRange = thresholdRange;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public TemplateRef getTemplateRef() {
        return templateRef;
    }

    public void setTemplateRef(TemplateRef templateRef) {
        this.templateRef = templateRef;
    }

    public Map<String, String> getArgs() {
        return args;
    }

    public void setArgs(Map<String, String> args) {
        this.args = args == null ? null : new LinkedHashMap<>(args);
    }

    public CompareSpec getCompare() {
        return compare;
    }

    public void setCompare(CompareSpec compare) {
        this.compare = compare;
    }

    public boolean isDryRun() {
        return dryRun;
    }

    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    public ThresholdRange getThresholdRange() {
        return thresholdRange;
    }

    public void setThresholdRange(ThresholdRange thresholdRange) {
        this.thresholdRange = thresholdRange;
    }
}
