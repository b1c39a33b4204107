package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Judges a metric against the same query on the primary, measured over the same window: how much worse than the
 * stable version the canary may be. Differences are in the metric's own unit (percentage points for a success rate,
 * milliseconds for a latency); ratios are canary / primary.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.maxIncrease) || has(self.maxDecrease) || has(self.maxRatio) || has(self.minRatio)", message = "compare needs maxIncrease, maxDecrease, maxRatio or minRatio")
public class CompareSpec {

    /** What the canary is compared with. */
    public enum Baseline {
        primary
    }

    @JsonPropertyDescription("What the canary is compared with: primary (the same query over the primary's pods or nodes), the only value.")
    private Baseline baseline = Baseline.primary;

    @Min(0)
    @JsonPropertyDescription("The canary may exceed the primary by at most this much (e.g. latency in ms).")
    private Double maxIncrease;

    @Min(0)
    @JsonPropertyDescription("The canary may fall below the primary by at most this much (e.g. 0.5 percentage points of success rate).")
    private Double maxDecrease;

    @Min(0)
    @JsonPropertyDescription("The canary may be at most this many times the primary (e.g. 1.2 for latency).")
    private Double maxRatio;

    @Min(0)
    @JsonPropertyDescription("The canary must be at least this many times the primary (e.g. 0.99 for throughput).")
    private Double minRatio;

    public CompareSpec() {
    }

    public static CompareSpec maxDecrease(double points) {
        CompareSpec c = new CompareSpec();
        c.setMaxDecrease(points);
        return c;
    }

    public static CompareSpec maxIncrease(double amount) {
        CompareSpec c = new CompareSpec();
        c.setMaxIncrease(amount);
        return c;
    }

    public Baseline getBaseline() {
        return baseline;
    }

    public void setBaseline(Baseline baseline) {
        this.baseline = baseline;
    }

    public Double getMaxIncrease() {
        return maxIncrease;
    }

    public void setMaxIncrease(Double maxIncrease) {
        this.maxIncrease = maxIncrease;
    }

    public Double getMaxDecrease() {
        return maxDecrease;
    }

    public void setMaxDecrease(Double maxDecrease) {
        this.maxDecrease = maxDecrease;
    }

    public Double getMaxRatio() {
        return maxRatio;
    }

    public void setMaxRatio(Double maxRatio) {
        this.maxRatio = maxRatio;
    }

    public Double getMinRatio() {
        return minRatio;
    }

    public void setMinRatio(Double minRatio) {
        this.minRatio = minRatio;
    }
}
