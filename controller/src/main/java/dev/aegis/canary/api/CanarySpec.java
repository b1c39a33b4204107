package dev.aegis.canary.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CanarySpec {

    /** The steps used when a Canary lists none: 1% → 10% → 50% → 100%. */
    public static final List<Integer> DEFAULT_STEPS = List.of(1, 10, 50, 100);
    public static final String DEFAULT_PROGRESS_DEADLINE = "10m";

    @Required
    @JsonPropertyDescription("The Git-owned workload under test (apps/v1 Deployment, DaemonSet or StatefulSet in this namespace).")
    private TargetRef targetRef;

    @JsonPropertyDescription("How traffic is shifted to the canary; the router defaults to replicas for a Deployment or StatefulSet.")
    private TrafficSpec traffic;

    @JsonPropertyDescription("Services <name>, <name>-primary and <name>-canary, created by the controller.")
    private ServiceSpec service;

    @JsonPropertyDescription("The HorizontalPodAutoscaler (autoscaling/v2) that scales the target Deployment. The primary gets a twin, <name>-primary, with its settings as of each promotion. Needs a weighted router (gateway-api or nginx).")
    private LocalObjectRef autoscalerRef;

    @Size(min = 1, max = 100)
    @ValidationRule(value = "self.all(s, s >= 1 && s <= 100)", message = "every step must be in 1..100")
    @ValidationRule(value = "self.isSorted() && self.all(s, self.exists_one(t, t == s))", message = "steps must be strictly increasing")
    @ValidationRule(value = "self[size(self) - 1] == 100", message = "the last step must be 100")
    @JsonPropertyDescription("Traffic percentages of the canary, strictly increasing, each in 1..100, the last 100. Default [1, 10, 50, 100].")
    private List<@Min(1) @Max(100) Integer> steps;

    @JsonPropertyDescription("The checks run at every step.")
    private AnalysisSpec analysis;

    @Pattern(Schema.DURATION)
    @ValidationRule(value = Schema.AT_MOST_A_DAY, message = "must be at most 24h")
    @JsonPropertyDescription("A canary that is not ready this long after a step starts is rolled back. Default 10m.")
    private String progressDeadline;

    @JsonPropertyDescription("Stops the controller from acting on this Canary until it is false again.")
    private boolean suspend;

    @Size(max = 20)
    @JsonPropertyDescription("HTTP endpoints asked at points of the run: gates (confirm-*), extra checks (pre-rollout, rollout), a rollback trigger and an end-of-run call.")
    private List<WebhookSpec> webhooks;

    @Size(max = 20)
    @JsonPropertyDescription("Where news of this Canary goes besides Kubernetes Events. Default: the controller's default provider, if configured.")
    private List<NotificationRef> notifications;

    public TargetRef getTargetRef() {
        return targetRef;
    }

    public void setTargetRef(TargetRef targetRef) {
        this.targetRef = targetRef;
    }

    public TrafficSpec getTraffic() {
        return traffic;
    }

    public void setTraffic(TrafficSpec traffic) {
        this.traffic = traffic;
    }

    public LocalObjectRef getAutoscalerRef() {
        return autoscalerRef;
    }

    public void setAutoscalerRef(LocalObjectRef autoscalerRef) {
        this.autoscalerRef = autoscalerRef;
    }

    public ServiceSpec getService() {
        return service;
    }

    public void setService(ServiceSpec service) {
        this.service = service;
    }

    public List<Integer> getSteps() {
        return steps;
    }

    public void setSteps(List<Integer> steps) {
        this.steps = steps == null ? null : new ArrayList<>(steps);
    }

    public AnalysisSpec getAnalysis() {
        return analysis;
    }

    public void setAnalysis(AnalysisSpec analysis) {
        this.analysis = analysis;
    }

    public String getProgressDeadline() {
        return progressDeadline;
    }

    public void setProgressDeadline(String progressDeadline) {
        this.progressDeadline = progressDeadline;
    }

    public boolean isSuspend() {
        return suspend;
    }

    public void setSuspend(boolean suspend) {
        this.suspend = suspend;
    }

    public List<NotificationRef> getNotifications() {
        return notifications;
    }

    public void setNotifications(List<NotificationRef> notifications) {
        this.notifications = notifications == null ? null : new ArrayList<>(notifications);
    }

    public List<WebhookSpec> getWebhooks() {
        return webhooks;
    }

    public void setWebhooks(List<WebhookSpec> webhooks) {
        this.webhooks = webhooks == null ? null : new ArrayList<>(webhooks);
    }
}
