package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A status condition in the Kubernetes shape; lastTransitionTime changes only when status flips. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    @JsonPropertyDescription("Ready, Progressing, Reconciling or Stalled.")
    private String type;
    @JsonPropertyDescription("True, False or Unknown.")
    private String status;
    @JsonPropertyDescription("Why, in one CamelCase word.")
    private String reason;
    @JsonPropertyDescription("Why, in words.")
    private String message;
    @JsonPropertyDescription("When status last changed.")
    private String lastTransitionTime;
    @JsonPropertyDescription("The Canary's metadata.generation this condition was written for.")
    private Long observedGeneration;

    public Condition() {
    }

    public Condition(Condition other) {
        this.type = other.type;
        this.status = other.status;
        this.reason = other.reason;
        this.message = other.message;
        this.lastTransitionTime = other.lastTransitionTime;
        this.observedGeneration = other.observedGeneration;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getStatus() {
        return status;
    }

    public void setStatus(String status) {
        this.status = status;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getLastTransitionTime() {
        return lastTransitionTime;
    }

    public void setLastTransitionTime(String lastTransitionTime) {
        this.lastTransitionTime = lastTransitionTime;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }
}
