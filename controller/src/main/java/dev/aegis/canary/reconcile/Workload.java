package dev.aegis.canary.reconcile;

import java.util.List;

import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.notify.Notification;
import dev.aegis.canary.rollout.RolloutEvent;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;

/**
 * A Canary's target and its primary as one reconcile found them, and how to move them: one implementation per
 * workload kind (Deployment, DaemonSet, StatefulSet). Reads come from the informer caches; writes are the kind's own.
 */
interface Workload {

    /** Hash of the target's pod template, leaving out what the controller itself put there. */
    String targetRevision();

    /** A replica count Git set on the target since the controller last did, or null. */
    Integer gitReplicas();

    /** Hash of the primary's pod template, or null before the primary exists. */
    String primaryRevision();

    /** The images the primary runs and the target asks for, for notifications. */
    Notification.Images images();

    /** "app=registry/podinfo:1.0.0, sidecar=..." for a pod template, or null. */
    static String images(io.fabric8.kubernetes.api.model.PodTemplateSpec template) {
        if (template == null || template.getSpec() == null || template.getSpec().getContainers() == null) {
            return null;
        }
        return String.join(", ", template.getSpec().getContainers().stream()
                .map(c -> c.getName() + "=" + c.getImage()).toList());
    }

    /** When the newest of these pods was created, or null: when the world last moved on its own. */
    static java.time.Instant newest(List<io.fabric8.kubernetes.api.model.Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getCreationTimestamp()).filter(t -> t != null)
                .map(java.time.Instant::parse).max(java.time.Instant::compareTo).orElse(null);
    }

    /** For people: how the primary is doing, e.g. "10/10 pods ready". */
    String primaryStatus();

    /**
     * Moves the world one step towards the intent (never waits) and reports what is in effect.
     *
     * @param told where to add what people should hear about (e.g. a Service left alone)
     * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server refuses a write
     */
    RouteStatus apply(TrafficIntent intent, CanaryStatus status, List<RolloutEvent> told);

    /** The primary runs its revision everywhere it should, and nothing is left on the canary when that matters. */
    boolean primaryReady(TrafficIntent intent, RouteStatus route);

    /** The pods (and nodes) a query of the revision under test measures. */
    PodScope podScope(String canaryRevision);

    /** What is in effect now, without changing anything; for when a write was refused. */
    RouteStatus current(String waitingFor);

    /**
     * For Canary deletion: moves everything to the primary (or, before the first initialization, back to the
     * target) and lets go of the controller's objects.
     *
     * @return reached when done; otherwise what it waits for, and whether this call made progress
     */
    RouteStatus release(CanaryStatus status);
}
