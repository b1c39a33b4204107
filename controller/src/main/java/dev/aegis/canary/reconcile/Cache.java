package dev.aegis.canary.reconcile;

import java.util.List;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.ClusterAnalysisTemplate;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.TemplateRef.TemplateKind;

/** The informer caches a reconcile reads the world from: no API request, but for a template not seen yet. */
final class Cache {

    static final String DEPLOYMENTS = "deployments";
    static final String DAEMONSETS = "daemonsets";
    static final String STATEFULSETS = "statefulsets";
    /** The pods of StatefulSets (every one carries the StatefulSet controller's pod-name label). */
    static final String STATEFULSET_PODS = "statefulset-pods";
    static final String NODES = "nodes";
    static final String PODS = "pods";
    /** Pods by namespace/owner name. */
    static final String POD_OWNER_INDEX = "owner";
    static final String SERVICES = "services";
    static final String TEMPLATES = "analysis-templates";
    static final String CLUSTER_TEMPLATES = "cluster-analysis-templates";

    private final Context<Canary> context;

    Cache(Context<Canary> context) {
        this.context = context;
    }

    Deployment deployment(String namespace, String name) {
        return get(Deployment.class, DEPLOYMENTS, new ResourceID(name, namespace));
    }

    DaemonSet daemonSet(String namespace, String name) {
        return get(DaemonSet.class, DAEMONSETS, new ResourceID(name, namespace));
    }

    StatefulSet statefulSet(String namespace, String name) {
        return get(StatefulSet.class, STATEFULSETS, new ResourceID(name, namespace));
    }

    /** The pods a StatefulSet owns. */
    List<Pod> statefulSetPods(String namespace, String owner) {
        return source(Pod.class, STATEFULSET_PODS).byIndex(POD_OWNER_INDEX, namespace + "/" + owner);
    }

    /**
     * A Canary's target, from the cache; one the cache does not hold yet is read from the API server before it is
     * called missing. Flux applies a workload and its Canary together, and the workloads' informer may hear of the
     * workload after the Canaries' informer heard of the Canary: without the read, that Canary would be Invalid (status,
     * Warning, notification) for a moment for nothing. Only a miss costs a request.
     */
    Deployment targetDeployment(String namespace, String name) {
        return orRead(deployment(namespace, name),
                () -> context.getClient().apps().deployments().inNamespace(namespace).withName(name).get());
    }

    /** The same for a DaemonSet target. */
    DaemonSet targetDaemonSet(String namespace, String name) {
        return orRead(daemonSet(namespace, name),
                () -> context.getClient().apps().daemonSets().inNamespace(namespace).withName(name).get());
    }

    /** The same for a StatefulSet target. */
    StatefulSet targetStatefulSet(String namespace, String name) {
        return orRead(statefulSet(namespace, name),
                () -> context.getClient().apps().statefulSets().inNamespace(namespace).withName(name).get());
    }

    private static <R> R orRead(R cached, Supplier<R> get) {
        return cached != null ? cached : read(get);
    }

    Service service(String namespace, String name) {
        return get(Service.class, SERVICES, new ResourceID(name, namespace));
    }

    List<Node> nodes() {
        return source(Node.class, NODES).list().toList();
    }

    /** The watched pods (those of node-by-node rollouts) a DaemonSet owns. */
    List<Pod> pods(String namespace, String owner) {
        return source(Pod.class, PODS).byIndex(POD_OWNER_INDEX, namespace + "/" + owner);
    }

    /** The index key of a pod: namespace/name of its controller. */
    static List<String> podOwnerKeys(Pod pod) {
        if (pod.getMetadata().getOwnerReferences() == null) {
            return List.of();
        }
        return pod.getMetadata().getOwnerReferences().stream()
                .filter(o -> Boolean.TRUE.equals(o.getController()))
                .map(o -> pod.getMetadata().getNamespace() + "/" + o.getName()).toList();
    }

    /** The Canaries of a namespace whose targetRef names this workload (of any kind). */
    List<Canary> canariesNaming(String namespace, String target) {
        return context.getPrimaryCache().byIndex(CanaryReconciler.TARGET_INDEX, namespace + "/" + target);
    }

    /**
     * A template, from the cache; one the cache does not hold yet is read from the API server before it is called
     * missing. Flux applies templates and Canaries together, and the templates' informer may hear of one after the
     * Canaries' informer heard of the Canary: without the read, that Canary would be Invalid (status, Warning) for a
     * moment for nothing. Only a miss costs a request.
     */
    AnalysisTemplateSpec template(String namespace, TemplateRef ref) {
        if (ref.getKind() == TemplateKind.ClusterAnalysisTemplate) {
            ClusterAnalysisTemplate t = get(ClusterAnalysisTemplate.class, CLUSTER_TEMPLATES,
                    new ResourceID(ref.getName()));
            if (t == null) {
                t = read(() -> context.getClient().resources(ClusterAnalysisTemplate.class).withName(ref.getName())
                        .get());
            }
            return t == null ? null : t.getSpec();
        }
        AnalysisTemplate t = get(AnalysisTemplate.class, TEMPLATES, new ResourceID(ref.getName(), namespace));
        if (t == null) {
            t = read(() -> context.getClient().resources(AnalysisTemplate.class).inNamespace(namespace)
                    .withName(ref.getName()).get());
        }
        return t == null ? null : t.getSpec();
    }

    /** Null when it cannot be read now: the Canary is then reported as the cache shows it. */
    private static <R> R read(Supplier<R> get) {
        try {
            return get.get();
        } catch (KubernetesClientException e) {
            return null;
        }
    }

    private <R extends HasMetadata> R get(Class<R> type, String source, ResourceID id) {
        return source(type, source).get(id).orElse(null);
    }

    @SuppressWarnings("unchecked")
    private <R extends HasMetadata> InformerEventSource<R, Canary> source(Class<R> type, String name) {
        return (InformerEventSource<R, Canary>) context.eventSourceRetriever().getEventSourceFor(type, name);
    }
}
