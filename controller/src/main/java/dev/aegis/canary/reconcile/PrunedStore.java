package dev.aegis.canary.reconcile;

import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

/**
 * An informer store that keeps only what the controller reads. A Node's status carries its image list and a pod its
 * whole spec; on a fleet of thousands that is most of the heap, and none of it is needed.
 */
public final class PrunedStore<R extends HasMetadata> implements ItemStore<R> {

    private final BasicItemStore<R> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
    private final UnaryOperator<R> prune;

    private PrunedStore(UnaryOperator<R> prune) {
        this.prune = prune;
    }

    /** Nodes: name, labels, creation time, spec (taints, unschedulable) and conditions. */
    public static PrunedStore<Node> nodes() {
        return new PrunedStore<>(n -> {
            NodeStatus status = new NodeStatus();
            if (n.getStatus() != null) {
                status.setConditions(n.getStatus().getConditions());
            }
            return new NodeBuilder().withMetadata(meta(n.getMetadata())).withSpec(n.getSpec()).withStatus(status)
                    .build();
        });
    }

    /** Pods: name, labels, owner, deletion; the node they run on; phase and conditions. */
    public static PrunedStore<Pod> pods() {
        return new PrunedStore<>(p -> {
            PodSpec spec = new PodSpec();
            spec.setNodeName(p.getSpec() == null ? null : p.getSpec().getNodeName());
            PodStatus status = new PodStatus();
            if (p.getStatus() != null) {
                status.setPhase(p.getStatus().getPhase());
                status.setConditions(p.getStatus().getConditions());
            }
            return new PodBuilder().withMetadata(meta(p.getMetadata())).withSpec(spec).withStatus(status).build();
        });
    }

    /**
     * Any kind whole, but without its managedFields: on a real API server they are a tree of maps per writer, in a
     * fleet of Deployments and Services about half the controller's heap, and only the StatefulSet rules read them
     * (StatefulSets keep theirs).
     */
    public static <R extends HasMetadata> PrunedStore<R> withoutManagedFields() {
        return new PrunedStore<>(r -> {
            r.getMetadata().setManagedFields(null);
            return r;
        });
    }

    /**
     * The store for a namespaced informer, or null for the SDK's own when it would be shared. The Operator SDK runs one
     * informer per watched namespace and hands each the same store instance; an informer's relist then drops from the
     * store whatever it did not list itself, the other namespaces' objects included (and tells the handlers they were
     * deleted), and each lists the others' objects as its own. So a store of ours only where one informer serves all
     * the watched namespaces: all of them, or one.
     *
     * @param watched the controller's watched namespaces, as the SDK holds them
     */
    public static <R extends HasMetadata> PrunedStore<R> ifOneInformer(Set<String> watched,
            Supplier<PrunedStore<R>> store) {
        return watched.size() == 1 ? store.get() : null;
    }

    private static ObjectMeta meta(ObjectMeta m) {
        return new ObjectMetaBuilder()
                .withName(m.getName())
                .withNamespace(m.getNamespace())
                .withUid(m.getUid())
                .withResourceVersion(m.getResourceVersion())
                .withGeneration(m.getGeneration())
                .withCreationTimestamp(m.getCreationTimestamp())
                .withDeletionTimestamp(m.getDeletionTimestamp())
                .withLabels(m.getLabels())
                .withOwnerReferences(m.getOwnerReferences())
                .build();
    }

    @Override
    public String getKey(R obj) {
        return store.getKey(obj);
    }

    @Override
    public R put(String key, R obj) {
        return store.put(key, prune.apply(obj));
    }

    @Override
    public R remove(String key) {
        return store.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return store.keySet();
    }

    @Override
    public Stream<R> values() {
        return store.values();
    }

    @Override
    public int size() {
        return store.size();
    }

    @Override
    public R get(String key) {
        return store.get(key);
    }
}
