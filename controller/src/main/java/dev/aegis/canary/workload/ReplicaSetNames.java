package dev.aegis.canary.workload;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

/**
 * The names of the ReplicaSets a Canary's analysis and Services need, LISTed once per revision and remembered: the
 * ReplicaSet of a template keeps its name and pod-template-hash for life, so reading them again on every reconcile
 * and check only loads the API server (with hundreds of Canaries, LISTs of ReplicaSets were most of the
 * controller's reads). Until the ReplicaSet exists, it is looked for again only once the Deployment changed (the
 * Deployment controller writes the Deployment when it makes one) or a minute later: a rollout waiting on a slow
 * cluster must not LIST on every reconcile, which is what slows a cluster further. Keyed by Canary
 * ({@code namespace/name}).
 */
public final class ReplicaSetNames {

    /** Looked for again this long after a LIST that did not find it, even if the Deployment did not change. */
    static final Duration RELOOK = Duration.ofMinutes(1);

    /** The canary's ReplicaSet for a revision of the target. */
    public record CanarySet(String deploymentUid, String revision, String name, String podHash) {

        boolean answers(String revision, Deployment d) {
            return this.revision.equals(revision) && Objects.equals(deploymentUid, d.getMetadata().getUid());
        }
    }

    /**
     * What a LIST found for a revision of a Deployment (by UID: a target renamed, or a primary made again, is
     * another): the names of its ReplicaSets, and whether the revision's own was among them (then it is final); if
     * not, which version of the Deployment it was and when.
     */
    private record Found(String deploymentUid, String revision, List<String> names, boolean complete,
            String deploymentVersion, long atNanos) {

        boolean answers(String revision, Deployment d, long now) {
            return this.revision.equals(revision) && Objects.equals(deploymentUid, d.getMetadata().getUid())
                    && (complete
                            || Objects.equals(deploymentVersion, d.getMetadata().getResourceVersion())
                                    && now - atNanos < RELOOK.toNanos());
        }
    }

    private final Function<Deployment, List<ReplicaSet>> list;
    private final LongSupplier nanos;
    private final Map<String, CanarySet> canaries = new ConcurrentHashMap<>();
    private final Map<String, Found> canaryMisses = new ConcurrentHashMap<>();
    private final Map<String, Found> primaries = new ConcurrentHashMap<>();

    /**
     * @param list the ReplicaSets a Deployment owns, newest first (a LIST on the API server)
     * @param nanos the clock of {@link System#nanoTime()}
     */
    public ReplicaSetNames(Function<Deployment, List<ReplicaSet>> list, LongSupplier nanos) {
        this.list = list;
        this.nanos = nanos;
    }

    /** The target's ReplicaSet for {@code revision}, once the Deployment controller made it. */
    public Optional<CanarySet> canary(String key, Deployment target, String revision) {
        CanarySet known = canaries.get(key);
        if (known != null && known.answers(revision, target)) {
            return Optional.of(known);
        }
        long now = nanos.getAsLong();
        Found missed = canaryMisses.get(key);
        if (missed != null && missed.answers(revision, target, now)) {
            return Optional.empty();
        }
        Optional<CanarySet> found = list.apply(target).stream()
                .filter(rs -> DeploymentWorkloads.runs(rs, revision)).findFirst()
                .map(rs -> new CanarySet(target.getMetadata().getUid(), revision, rs.getMetadata().getName(),
                        rs.getMetadata().getLabels() == null
                                ? null
                                : rs.getMetadata().getLabels().get(Labels.POD_TEMPLATE_HASH)));
        if (found.isPresent()) {
            canaries.put(key, found.get());
            canaryMisses.remove(key);
        } else {
            canaryMisses.put(key, new Found(target.getMetadata().getUid(), revision, List.of(), false,
                    target.getMetadata().getResourceVersion(), now));
        }
        return found;
    }

    /**
     * The names of the primary's ReplicaSets: the current template's and the older ones still listed (their pods
     * serve as the primary while a promotion rolls out).
     */
    public List<String> primary(String key, Deployment primary) {
        String revision = Revisions.of(primary.getSpec().getTemplate());
        long now = nanos.getAsLong();
        Found known = primaries.get(key);
        if (known != null && known.answers(revision, primary, now)) {
            return known.names();
        }
        List<ReplicaSet> sets = list.apply(primary);
        List<String> names = sets.stream().map(rs -> rs.getMetadata().getName()).toList();
        boolean complete = sets.stream().anyMatch(rs -> DeploymentWorkloads.runs(rs, revision));
        primaries.put(key, new Found(primary.getMetadata().getUid(), revision, names, complete,
                primary.getMetadata().getResourceVersion(), now));
        return names;
    }

    /** Drops what is remembered of a Canary: it was released or deleted. */
    public void forget(String key) {
        canaries.remove(key);
        canaryMisses.remove(key);
        primaries.remove(key);
    }
}
