package dev.aegis.canary.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The rollout's whole memory: a controller restarted at any moment resumes from here. Times are RFC 3339 strings, as
 * everywhere in the Kubernetes API.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CanaryStatus {

    @JsonPropertyDescription("Where the rollout stands: Initializing, Ready, Waiting, Progressing, WaitingPromotion, Promoting, Succeeded, RolledBack, Failed, Invalid or Suspended (docs/troubleshooting.md says what each means and what to do).")
    private Phase phase;
    @JsonPropertyDescription("The Canary's metadata.generation this status was written for.")
    private Long observedGeneration;

    @JsonPropertyDescription("Hash of the pod template the primary serves.")
    private String stableRevision;
    @JsonPropertyDescription("Hash of the pod template under test (or last tested).")
    private String canaryRevision;

    @JsonPropertyDescription("Index of the current step in spec.steps.")
    private Integer stepIndex;
    @JsonPropertyDescription("The current step's weight, in percent.")
    private Integer weight;
    @JsonPropertyDescription("The weight the router really achieved, in percent (replica and node counts round).")
    private Integer effectiveWeight;

    @JsonPropertyDescription("Pods the workload serves with, as Git declares them on the target.")
    private Integer totalReplicas;
    @JsonPropertyDescription("Pods of the canary the router asked for at this step.")
    private Integer canaryReplicas;

    @JsonPropertyDescription("Passed checks in this run.")
    private Integer passedChecks;
    @JsonPropertyDescription("Nodes router: nodes that run the canary.")
    private Integer canaryNodes;
    @JsonPropertyDescription("Nodes router: nodes the DaemonSet runs on.")
    private Integer totalNodes;

    @JsonPropertyDescription("Failed checks in this run.")
    private Integer failedChecks;
    @JsonPropertyDescription("Checks in a row without data for some metric.")
    private Integer noDataChecks;
    @JsonPropertyDescription("Checks in a row with a query error.")
    private Integer errorChecks;

    @JsonPropertyDescription("When the current (or last) run began.")
    private String runStartedAt;
    @JsonPropertyDescription("When the current step's weight was requested; progressDeadline counts from here.")
    private String stepStartedAt;
    @JsonPropertyDescription("When the canary was ready at the current step's weight; the first check is an interval later.")
    private String stepReadyAt;
    @JsonPropertyDescription("When the last check ran.")
    private String lastCheckAt;
    @JsonPropertyDescription("Since when the canary, ready at this step before, is not ready; progressDeadline counts from here.")
    private String unreadySince;
    @JsonPropertyDescription("Since when not one canary pod or node serves, after it was ready at this step: checks wait, and the step's evidence starts over once it serves again; progressDeadline counts from unreadySince.")
    private String canaryGoneSince;
    @JsonPropertyDescription("Since when checks find no data for some metric (the first of the checks in a row without data); noDataLimit windows of it roll back.")
    private String noDataSince;
    @JsonPropertyDescription("When the world last moved towards the current step or promotion (nodes router: a batch of nodes); progressDeadline counts from the later of this and stepStartedAt.")
    private String progressedAt;

    @JsonPropertyDescription("The revision whose run was rolled back last, until a new run starts; it is not tried again unless Git changes the target or someone asks to retry.")
    private String rolledBackRevision;
    @JsonPropertyDescription("Set by a pause request: no step advances and no run starts until a resume request; checks go on, and a failing one still rolls back.")
    private Boolean paused;
    @JsonPropertyDescription("Who paused, for messages.")
    private String pausedBy;
    @JsonPropertyDescription("The last request made with the canary.aegis.dev/request annotation, and what came of it.")
    private RequestStatus lastRequest;

    @JsonPropertyDescription("The last check of each metric and check webhook: value, range, result, reason and the exact query sent.")
    private List<MetricResult> lastAnalysis;
    @JsonPropertyDescription("Ready: True when the Git revision fully serves. Progressing: True during a run. Reconciling and Stalled, as kstatus reads them (Flux healthChecks, kubectl wait): Reconciling True while a run or initialization is underway, Stalled True after a rollback, when Failed or Invalid.")
    private List<Condition> conditions;
    @JsonPropertyDescription("One line on what the controller does or waits for, or why it stopped.")
    private String message;

    public CanaryStatus() {
    }

    /** A deep copy, so decision code can derive a new status without touching the observed one. */
    public CanaryStatus(CanaryStatus other) {
        this.phase = other.phase;
        this.observedGeneration = other.observedGeneration;
        this.stableRevision = other.stableRevision;
        this.canaryRevision = other.canaryRevision;
        this.stepIndex = other.stepIndex;
        this.weight = other.weight;
        this.effectiveWeight = other.effectiveWeight;
        this.totalReplicas = other.totalReplicas;
        this.canaryReplicas = other.canaryReplicas;
        this.canaryNodes = other.canaryNodes;
        this.totalNodes = other.totalNodes;
        this.passedChecks = other.passedChecks;
        this.failedChecks = other.failedChecks;
        this.noDataChecks = other.noDataChecks;
        this.errorChecks = other.errorChecks;
        this.runStartedAt = other.runStartedAt;
        this.stepStartedAt = other.stepStartedAt;
        this.stepReadyAt = other.stepReadyAt;
        this.lastCheckAt = other.lastCheckAt;
        this.unreadySince = other.unreadySince;
        this.canaryGoneSince = other.canaryGoneSince;
        this.noDataSince = other.noDataSince;
        this.progressedAt = other.progressedAt;
        this.rolledBackRevision = other.rolledBackRevision;
        this.paused = other.paused;
        this.pausedBy = other.pausedBy;
        this.lastRequest = other.lastRequest == null ? null : new RequestStatus(other.lastRequest);
        if (other.lastAnalysis != null) {
            this.lastAnalysis = new ArrayList<>();
            for (MetricResult r : other.lastAnalysis) {
                this.lastAnalysis.add(new MetricResult(r));
            }
        }
        if (other.conditions != null) {
            this.conditions = new ArrayList<>();
            for (Condition c : other.conditions) {
                this.conditions.add(new Condition(c));
            }
        }
        this.message = other.message;
    }

    public Phase getPhase() {
        return phase;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public String getStableRevision() {
        return stableRevision;
    }

    public void setStableRevision(String stableRevision) {
        this.stableRevision = stableRevision;
    }

    public String getCanaryRevision() {
        return canaryRevision;
    }

    public void setCanaryRevision(String canaryRevision) {
        this.canaryRevision = canaryRevision;
    }

    public Integer getStepIndex() {
        return stepIndex;
    }

    public void setStepIndex(Integer stepIndex) {
        this.stepIndex = stepIndex;
    }

    public Integer getWeight() {
        return weight;
    }

    public void setWeight(Integer weight) {
        this.weight = weight;
    }

    public Integer getEffectiveWeight() {
        return effectiveWeight;
    }

    public void setEffectiveWeight(Integer effectiveWeight) {
        this.effectiveWeight = effectiveWeight;
    }

    public Integer getTotalReplicas() {
        return totalReplicas;
    }

    public void setTotalReplicas(Integer totalReplicas) {
        this.totalReplicas = totalReplicas;
    }

    public Integer getCanaryReplicas() {
        return canaryReplicas;
    }

    public void setCanaryReplicas(Integer canaryReplicas) {
        this.canaryReplicas = canaryReplicas;
    }

    public Integer getCanaryNodes() {
        return canaryNodes;
    }

    public void setCanaryNodes(Integer canaryNodes) {
        this.canaryNodes = canaryNodes;
    }

    public Integer getTotalNodes() {
        return totalNodes;
    }

    public void setTotalNodes(Integer totalNodes) {
        this.totalNodes = totalNodes;
    }

    public Integer getPassedChecks() {
        return passedChecks;
    }

    public void setPassedChecks(Integer passedChecks) {
        this.passedChecks = passedChecks;
    }

    public Integer getFailedChecks() {
        return failedChecks;
    }

    public void setFailedChecks(Integer failedChecks) {
        this.failedChecks = failedChecks;
    }

    public Integer getNoDataChecks() {
        return noDataChecks;
    }

    public void setNoDataChecks(Integer noDataChecks) {
        this.noDataChecks = noDataChecks;
    }

    public Integer getErrorChecks() {
        return errorChecks;
    }

    public void setErrorChecks(Integer errorChecks) {
        this.errorChecks = errorChecks;
    }

    public String getRunStartedAt() {
        return runStartedAt;
    }

    public void setRunStartedAt(String runStartedAt) {
        this.runStartedAt = runStartedAt;
    }

    public String getStepStartedAt() {
        return stepStartedAt;
    }

    public void setStepStartedAt(String stepStartedAt) {
        this.stepStartedAt = stepStartedAt;
    }

    public String getStepReadyAt() {
        return stepReadyAt;
    }

    public void setStepReadyAt(String stepReadyAt) {
        this.stepReadyAt = stepReadyAt;
    }

    public String getLastCheckAt() {
        return lastCheckAt;
    }

    public void setLastCheckAt(String lastCheckAt) {
        this.lastCheckAt = lastCheckAt;
    }

    public String getProgressedAt() {
        return progressedAt;
    }

    public void setProgressedAt(String progressedAt) {
        this.progressedAt = progressedAt;
    }

    public String getRolledBackRevision() {
        return rolledBackRevision;
    }

    public void setRolledBackRevision(String rolledBackRevision) {
        this.rolledBackRevision = rolledBackRevision;
    }

    /** True while a pause request holds the run. */
    public boolean paused() {
        return Boolean.TRUE.equals(paused);
    }

    public Boolean getPaused() {
        return paused;
    }

    public void setPaused(Boolean paused) {
        this.paused = paused;
    }

    public String getPausedBy() {
        return pausedBy;
    }

    public void setPausedBy(String pausedBy) {
        this.pausedBy = pausedBy;
    }

    public RequestStatus getLastRequest() {
        return lastRequest;
    }

    public void setLastRequest(RequestStatus lastRequest) {
        this.lastRequest = lastRequest;
    }

    public String getCanaryGoneSince() {
        return canaryGoneSince;
    }

    public void setCanaryGoneSince(String canaryGoneSince) {
        this.canaryGoneSince = canaryGoneSince;
    }

    public String getNoDataSince() {
        return noDataSince;
    }

    public void setNoDataSince(String noDataSince) {
        this.noDataSince = noDataSince;
    }

    public String getUnreadySince() {
        return unreadySince;
    }

    public void setUnreadySince(String unreadySince) {
        this.unreadySince = unreadySince;
    }

    public List<MetricResult> getLastAnalysis() {
        return lastAnalysis;
    }

    public void setLastAnalysis(List<MetricResult> lastAnalysis) {
        this.lastAnalysis = lastAnalysis;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }
}
