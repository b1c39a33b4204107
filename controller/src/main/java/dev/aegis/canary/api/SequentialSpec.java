package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/**
 * Settings of the sequential judge ({@code analysis.judge: sequential}): at every check it compares the canary's
 * failed requests with the primary's over the step so far, rolls back as soon as the canary is shown worse by more
 * than the margin, and lets the step advance once it is shown no worse (after minDwell).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SequentialSpec {

    public static final double DEFAULT_MARGIN = 0.5;
    public static final double DEFAULT_CONFIDENCE = 99;
    public static final long DEFAULT_MIN_SAMPLES = 100;
    public static final String DEFAULT_MIN_DWELL = "1m";
    public static final String DEFAULT_MAX_DWELL = "5m";

    @Min(0)
    @Max(50)
    @JsonPropertyDescription("Percentage points of failed requests the canary may have above the primary's. Default 0.5.")
    private Double margin;

    @Min(50)
    @Max(99.999)
    @JsonPropertyDescription("Confidence in percent that a whole run takes no wrong verdict (split over its steps and metrics). Default 99.")
    private Double confidence;

    @Min(1)
    @Max(100000000)
    @JsonPropertyDescription("Canary requests in a step before any verdict. Default 100.")
    private Long minSamples;

    @Pattern(Schema.DURATION)
    @JsonPropertyDescription("Least time on a step, however early the canary is shown no worse. Default 1m.")
    private String minDwell;

    @Pattern(Schema.DURATION)
    @JsonPropertyDescription("A step still undecided this long is judged by the observed difference against the margin. Default 5m.")
    private String maxDwell;

    public Double getMargin() {
        return margin;
    }

    public void setMargin(Double margin) {
        this.margin = margin;
    }

    public Double getConfidence() {
        return confidence;
    }

    public void setConfidence(Double confidence) {
        this.confidence = confidence;
    }

    public Long getMinSamples() {
        return minSamples;
    }

    public void setMinSamples(Long minSamples) {
        this.minSamples = minSamples;
    }

    public String getMinDwell() {
        return minDwell;
    }

    public void setMinDwell(String minDwell) {
        this.minDwell = minDwell;
    }

    public String getMaxDwell() {
        return maxDwell;
    }

    public void setMaxDwell(String maxDwell) {
        this.maxDwell = maxDwell;
    }
}
