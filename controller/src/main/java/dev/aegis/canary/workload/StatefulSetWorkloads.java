package dev.aegis.canary.workload;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.routing.NodeMoves;
import dev.aegis.canary.routing.OrdinalMoves;

/**
 * The StatefulSet side of an in-place rollout. Git owns the StatefulSet; the controller owns two fields of it, the
 * partition and the revision annotation, and writes them by server-side apply under its own field manager, so a
 * GitOps tool that applies the StatefulSet never takes them back (nor is told they conflict) unless Git sets them.
 */
@ApplicationScoped
public class StatefulSetWorkloads {

    /** The StatefulSet controller's label on each pod: the ControllerRevision the pod was made from. */
    public static final String POD_REVISION = "controller-revision-hash";
    /** The StatefulSet controller's label on each pod: its own name (every StatefulSet pod has it). */
    public static final String POD_NAME = "statefulset.kubernetes.io/pod-name";

    static final String PARTITION_FIELD = "spec.updateStrategy.rollingUpdate.partition";
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private final KubernetesClient client;
    /**
     * Pods this controller deleted, namespace/name to uid, until the cache shows them gone or replaced: a reconcile
     * that runs before the cache heard of a deletion must count that pod as unavailable, or it would delete the next
     * one at once and break maxUnavailable.
     */
    private final Map<String, String> deleted = new ConcurrentHashMap<>();

    public StatefulSetWorkloads(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Applies the controller's fields: the partition, and the revision (and images, for notifications) of the pods
     * below it. With {@code onVersion}, only if the StatefulSet is still the one read:
     * the revision annotation claims what the pods below the partition run, which a template changed meanwhile would
     * make untrue.
     */
    public void apply(StatefulSet sts, int partition, String revision, String images, boolean onVersion) {
        ObjectNode body = skeleton(sts);
        ObjectNode metadata = (ObjectNode) body.get("metadata");
        if (onVersion) {
            metadata.put("resourceVersion", sts.getMetadata().getResourceVersion());
        }
        if (revision != null) {
            ObjectNode annotations = metadata.putObject("annotations").put(Labels.REVISION, revision);
            if (images != null) {
                annotations.put(Labels.IMAGES, images);
            }
        }
        body.putObject("spec").putObject("updateStrategy").putObject("rollingUpdate").put("partition", partition);
        serverSideApply(sts, body);
    }

    /** Gives up both fields: the partition falls back to 0 and the StatefulSet rolls out what Git says. */
    public void release(StatefulSet sts) {
        serverSideApply(sts, skeleton(sts));
    }

    /** Deletes one pod; the StatefulSet controller recreates it (below the partition: at the current revision). */
    public void deletePod(StatefulSet sts, int ordinal, String uid) {
        remember(sts, ordinal, uid);
        client.pods().inNamespace(sts.getMetadata().getNamespace()).withName(sts.getMetadata().getName() + "-"
                + ordinal).delete();
    }

    /** Drops the deletions remembered for a StatefulSet's pods (its Canary is gone). */
    public void forget(String namespace, String sts) {
        deleted.keySet().removeIf(k -> isPodOf(k, namespace + "/" + sts + "-"));
    }

    /** namespace/name is {@code <prefix><ordinal>}: "db-" does not take "db-cache-0". */
    private static boolean isPodOf(String key, String prefix) {
        return key.startsWith(prefix) && key.length() > prefix.length()
                && key.substring(prefix.length()).chars().allMatch(Character::isDigit);
    }

    /** Until the cache shows this pod gone or replaced, it counts as terminating. */
    void remember(StatefulSet sts, int ordinal, String uid) {
        if (uid != null) {
            deleted.put(sts.getMetadata().getNamespace() + "/" + sts.getMetadata().getName() + "-" + ordinal, uid);
        }
    }

    private void serverSideApply(StatefulSet sts, ObjectNode body) {
        client.apps().statefulSets().inNamespace(sts.getMetadata().getNamespace())
                .withName(sts.getMetadata().getName())
                .patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                        .withFieldManager(Labels.FIELD_MANAGER).withForce(true).build(), body.toString());
    }

    private static ObjectNode skeleton(StatefulSet sts) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("apiVersion", "apps/v1").put("kind", "StatefulSet");
        body.putObject("metadata").put("name", sts.getMetadata().getName()).put("namespace",
                sts.getMetadata().getNamespace());
        return body;
    }

    /** The partition in effect: pods at or above it run the update revision. */
    public static int partition(StatefulSet sts) {
        var strategy = sts.getSpec().getUpdateStrategy();
        return strategy == null || strategy.getRollingUpdate() == null
                || strategy.getRollingUpdate().getPartition() == null ? 0 : strategy.getRollingUpdate().getPartition();
    }

    public static int replicas(StatefulSet sts) {
        return sts.getSpec().getReplicas() == null ? 1 : sts.getSpec().getReplicas();
    }

    /** The revision (pod template hash) the controller recorded for the pods below its partition, or null. */
    public static String heldRevision(StatefulSet sts) {
        Map<String, String> annotations = sts.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(Labels.REVISION);
    }

    /** The images of that revision, for notifications, or null. */
    public static String heldImages(StatefulSet sts) {
        Map<String, String> annotations = sts.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(Labels.IMAGES);
    }

    /** Why a StatefulSet cannot be canaried in place, naming the field; or null. */
    public static String strategyProblem(StatefulSet sts) {
        var strategy = sts.getSpec().getUpdateStrategy();
        if (strategy != null && "OnDelete".equals(strategy.getType())) {
            return "spec.updateStrategy.type of StatefulSet '" + sts.getMetadata().getName() + "' is OnDelete; a "
                    + "canary needs RollingUpdate (the controller moves pods with its partition)";
        }
        String owner = partitionOwner(sts);
        if (owner != null) {
            return PARTITION_FIELD + " of StatefulSet '" + sts.getMetadata().getName() + "' is set by " + owner
                    + " (Git); the controller owns it while a Canary targets the StatefulSet: remove it from Git";
        }
        return null;
    }

    /**
     * Who will set the partition again, other than the controller: a server-side applier whose applies hold it (Flux,
     * kubectl apply --server-side, Helm 4), or a client-side kubectl apply whose last-applied configuration does;
     * null when none. A manager that only created or updated the StatefulSet is not one: the API server records it as
     * the owner of every field it defaulted, the partition's 0 included, though it never sends it again (kubectl
     * create, Helm 3, a client's create).
     */
    static String partitionOwner(StatefulSet sts) {
        List<ManagedFieldsEntry> entries = sts.getMetadata().getManagedFields();
        for (ManagedFieldsEntry e : entries == null ? List.<ManagedFieldsEntry>of() : entries) {
            if (Labels.FIELD_MANAGER.equals(e.getManager()) || e.getFieldsV1() == null
                    || "status".equals(e.getSubresource()) || !"Apply".equals(e.getOperation())) {
                continue;
            }
            Object node = e.getFieldsV1().getAdditionalProperties();
            for (String key : List.of("f:spec", "f:updateStrategy", "f:rollingUpdate", "f:partition")) {
                node = node instanceof Map<?, ?> map ? map.get(key) : null;
            }
            if (node != null) {
                return e.getManager();
            }
        }
        Map<String, String> annotations = sts.getMetadata().getAnnotations();
        String lastApplied = annotations == null ? null : annotations.get(LAST_APPLIED);
        if (lastApplied != null) {
            try {
                if (!Serialization.jsonMapper().readTree(lastApplied).at("/spec/updateStrategy/rollingUpdate/partition")
                        .isMissingNode()) {
                    return "kubectl's client-side apply (" + LAST_APPLIED + ")";
                }
            } catch (JsonProcessingException e) {
                return null; // not kubectl's: nothing will apply it again
            }
        }
        return null;
    }

    /** The StatefulSet controller has seen the latest spec. */
    public static boolean observed(StatefulSet sts) {
        Long generation = sts.getMetadata().getGeneration();
        Long observed = sts.getStatus() == null ? null : sts.getStatus().getObservedGeneration();
        return generation == null || (observed != null && observed >= generation);
    }

    public static String currentRevision(StatefulSet sts) {
        return sts.getStatus() == null ? null : sts.getStatus().getCurrentRevision();
    }

    public static String updateRevision(StatefulSet sts) {
        return sts.getStatus() == null ? null : sts.getStatus().getUpdateRevision();
    }

    /** Every pod runs one revision, the template's, and is ready: nothing of a rollout is pending. */
    public static boolean isSettled(StatefulSet sts) {
        StatefulSetStatus s = sts.getStatus();
        if (s == null || !observed(sts) || s.getUpdateRevision() == null) {
            return false;
        }
        int replicas = replicas(sts);
        return s.getUpdateRevision().equals(s.getCurrentRevision()) && count(s.getReplicas()) == replicas
                && count(s.getUpdatedReplicas()) == replicas && count(s.getReadyReplicas()) == replicas;
    }

    /**
     * What the ordinal moves decide from: the StatefulSet's spec and status and its pods, where a pod this controller
     * deleted counts as terminating until the cache shows it so.
     */
    public OrdinalMoves.World world(StatefulSet sts, List<Pod> pods, Instant now) {
        String prefix = sts.getMetadata().getNamespace() + "/" + sts.getMetadata().getName() + "-";
        Map<String, String> uids = new HashMap<>();
        pods.forEach(p -> uids.put(key(p), p.getMetadata().getUid()));
        deleted.entrySet().removeIf(e -> isPodOf(e.getKey(), prefix) && !e.getValue().equals(uids.get(e.getKey())));
        int replicas = replicas(sts);
        String maxUnavailable = null;
        var strategy = sts.getSpec().getUpdateStrategy();
        if (strategy != null && strategy.getRollingUpdate() != null
                && strategy.getRollingUpdate().getMaxUnavailable() != null) {
            var value = strategy.getRollingUpdate().getMaxUnavailable();
            maxUnavailable = value.getIntVal() != null ? String.valueOf(value.getIntVal()) : value.getStrVal();
        }
        Integer minReady = sts.getSpec().getMinReadySeconds();
        List<OrdinalMoves.PodState> states = pods.stream()
                .map(p -> state(sts.getMetadata().getName(), p, deleted.containsKey(key(p))))
                .filter(s -> s != null).toList();
        return new OrdinalMoves.World(replicas, partition(sts), currentRevision(sts), updateRevision(sts),
                observed(sts), states, NodeMoves.maxUnavailable(maxUnavailable, replicas),
                Duration.ofSeconds(minReady == null ? 0 : minReady), now);
    }

    private static String key(Pod p) {
        return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    /**
     * A pod of the StatefulSet by its ordinal, or null for a name that is not {@code <sts>-<ordinal>}.
     *
     * @param deletedHere this controller deleted it: terminating, whatever the cache says yet
     */
    static OrdinalMoves.PodState state(String sts, Pod pod, boolean deletedHere) {
        String name = pod.getMetadata().getName();
        if (!name.startsWith(sts + "-")) {
            return null;
        }
        int ordinal;
        try {
            ordinal = Integer.parseInt(name.substring(sts.length() + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        Map<String, String> labels = pod.getMetadata().getLabels();
        String revision = labels == null ? null : labels.get(POD_REVISION);
        boolean terminating = deletedHere || pod.getMetadata().getDeletionTimestamp() != null
                || (pod.getStatus() != null && ("Succeeded".equals(pod.getStatus().getPhase())
                        || "Failed".equals(pod.getStatus().getPhase())));
        var ready = pod.getStatus() == null || pod.getStatus().getConditions() == null
                ? null
                : pod.getStatus().getConditions().stream()
                        .filter(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())).findFirst()
                        .orElse(null);
        Instant since = ready == null || ready.getLastTransitionTime() == null
                ? null
                : Instant.parse(ready.getLastTransitionTime());
        return new OrdinalMoves.PodState(ordinal, revision, ready != null, since, terminating);
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }
}
