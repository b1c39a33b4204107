package dev.aegis.canary.it;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;

/**
 * Watches one Canary and records every status it goes through, and for each step the canary reached, the replica
 * counts of the target and the primary at that moment.
 */
final class StatusRecorder implements AutoCloseable {

    /** A step as users saw it once the canary was ready at it. */
    record Step(String revision, int weight, int effectiveWeight, int targetReplicas, int primaryReplicas) {
    }

    private final Fixtures fx;
    private final String name;
    private final String target;
    private final List<CanaryStatus> statuses = new CopyOnWriteArrayList<>();
    private final List<Step> steps = new CopyOnWriteArrayList<>();
    private final SharedIndexInformer<Canary> informer;
    private String lastStepKey;

    StatusRecorder(Fixtures fx, String name, String target) {
        this.fx = fx;
        this.name = name;
        this.target = target;
        this.informer = fx.client.resources(Canary.class).inNamespace(fx.ns).withName(name)
                .inform(new ResourceEventHandler<>() {

                    @Override
                    public void onAdd(Canary c) {
                        record(c);
                    }

                    @Override
                    public void onUpdate(Canary old, Canary c) {
                        record(c);
                    }

                    @Override
                    public void onDelete(Canary c, boolean unknown) {
                    }
                });
    }

    private synchronized void record(Canary c) {
        CanaryStatus s = c.getStatus();
        if (s == null) {
            return;
        }
        statuses.add(s);
        if (s.getPhase() == Phase.Progressing && s.getStepReadyAt() != null) {
            String key = s.getCanaryRevision() + "/" + s.getStepIndex() + "/" + s.getStepReadyAt();
            if (!key.equals(lastStepKey)) {
                lastStepKey = key;
                Deployment t = fx.deploymentNow(target);
                Deployment p = fx.deploymentNow(target + "-primary");
                steps.add(new Step(s.getCanaryRevision(), s.getWeight(), s.getEffectiveWeight(),
                        t == null ? 0 : t.getSpec().getReplicas(), p == null ? 0 : p.getSpec().getReplicas()));
                snapshots.add(new Snapshot(s, snapshot.apply(s)));
            }
        }
    }

    /** What a test captured of the world when the canary was first ready at a step. */
    record Snapshot(CanaryStatus status, Object world) {
    }

    private final List<Snapshot> snapshots = new CopyOnWriteArrayList<>();
    private java.util.function.Function<CanaryStatus, Object> snapshot = s -> null;

    /** Captures more of the world at each step (called on the watch thread, as the step is reached). */
    StatusRecorder onStep(java.util.function.Function<CanaryStatus, Object> snapshot) {
        this.snapshot = snapshot;
        return this;
    }

    List<Snapshot> snapshots() {
        return List.copyOf(snapshots);
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    List<Integer> weights() {
        return steps.stream().map(Step::weight).toList();
    }

    List<CanaryStatus> statuses() {
        return List.copyOf(statuses);
    }

    /** The phases in the order they were seen, without repeats. */
    List<Phase> phases() {
        List<Phase> out = new ArrayList<>();
        for (CanaryStatus s : statuses) {
            if (out.isEmpty() || !Objects.equals(out.get(out.size() - 1), s.getPhase())) {
                out.add(s.getPhase());
            }
        }
        return out;
    }

    CanaryStatus awaitPhase(Phase phase, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
            Canary c = fx.canaryNow(name);
            return c != null && c.getStatus() != null && c.getStatus().getPhase() == phase;
        });
        return fx.canaryNow(name).getStatus();
    }

    @Override
    public void close() {
        informer.close();
    }
}
