package dev.aegis.canary.workload;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

/**
 * The names of the ReplicaSets a Canary's analysis and Services need, LISTed once per revision and remembered: the
 * ReplicaSet of a template keeps its name and pod-template-hash for life, so reading them again on every reconcile
 * and check only loads the API server (with hundreds of Canaries, LISTs of ReplicaSets were most of the
 * controller's reads). Nothing is remembered before the ReplicaSet exists, so a revision the Deployment controller
 * has not acted on yet is looked for again next time. Keyed by Canary ({@code namespace/name}).
 */
public final class ReplicaSetNames {

    /** The canary's ReplicaSet for a revision of the target. */
    public record CanarySet(String revision, String name, String podHash) {
    }

    /** The primary's ReplicaSets, current and older, when its template was {@code revision}. */
    private record PrimarySets(String revision, List<String> names) {
    }

    private final DeploymentWorkloads ops;
    private final Map<String, CanarySet> canaries = new ConcurrentHashMap<>();
    private final Map<String, PrimarySets> primaries = new ConcurrentHashMap<>();

    public ReplicaSetNames(DeploymentWorkloads ops) {
        this.ops = ops;
    }

    /** The target's ReplicaSet for {@code revision}, once the Deployment controller made it. */
    public Optional<CanarySet> canary(String key, Deployment target, String revision) {
        CanarySet known = canaries.get(key);
        if (known != null && known.revision().equals(revision)) {
            return Optional.of(known);
        }
        Optional<CanarySet> found = ops.replicaSetOf(target, revision).map(rs -> new CanarySet(revision,
                rs.getMetadata().getName(), rs.getMetadata().getLabels() == null
                        ? null
                        : rs.getMetadata().getLabels().get(Labels.POD_TEMPLATE_HASH)));
        found.ifPresent(set -> canaries.put(key, set));
        return found;
    }

    /**
     * The names of the primary's ReplicaSets: the current template's and the older ones still listed (their pods
     * serve as the primary while a promotion rolls out). Remembered once the current template's ReplicaSet exists.
     */
    public List<String> primary(String key, Deployment primary) {
        String revision = Revisions.of(primary.getSpec().getTemplate());
        PrimarySets known = primaries.get(key);
        if (known != null && known.revision().equals(revision)) {
            return known.names();
        }
        List<ReplicaSet> sets = ops.replicaSets(primary);
        List<String> names = sets.stream().map(rs -> rs.getMetadata().getName()).toList();
        if (sets.stream().anyMatch(rs -> revision.equals(DeploymentWorkloads.templateRevision(rs)))) {
            primaries.put(key, new PrimarySets(revision, names));
        }
        return names;
    }

    /** Drops what is remembered of a Canary: it was released or deleted. */
    public void forget(String key) {
        canaries.remove(key);
        primaries.remove(key);
    }
}
