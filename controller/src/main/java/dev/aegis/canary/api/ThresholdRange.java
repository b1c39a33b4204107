package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.ValidationRule;

/** Inclusive bounds a metric's value must stay within; at least one of them is set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.min) || has(self.max)", message = "thresholdRange needs min, max or both")
@ValidationRule(value = "!has(self.min) || !has(self.max) || self.min <= self.max", message = "thresholdRange.min must not exceed max")
public class ThresholdRange {

    @JsonPropertyDescription("The canary's value must be at least this.")
    private Double min;
    @JsonPropertyDescription("The canary's value must be at most this.")
    private Double max;

    public ThresholdRange() {
    }

    public ThresholdRange(Double min, Double max) {
        this.min = min;
        this.max = max;
    }

    public Double getMin() {
        return min;
    }

    public void setMin(Double min) {
        this.min = min;
    }

    public Double getMax() {
        return max;
    }

    public void setMax(Double max) {
        this.max = max;
    }
}
