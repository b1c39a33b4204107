package dev.aegis.canary.sim;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * What the simulated workload controllers share: the API client, the registry of running pods, how versions behave,
 * and writing pods the way the kubelet and the workload controllers would.
 */
final class SimCluster {

    private static final Logger LOG = Logger.getLogger(SimCluster.class);
    private static final String SAFE_CHARS = "bcdfghjklmnpqrstvwxz2456789";

    final KubernetesClient client;
    final Map<String, SimPod> pods = new ConcurrentHashMap<>();
    /** What deleted pods served, by namespace/name: {requests, failures}. */
    final Map<String, double[]> retired = new ConcurrentHashMap<>();
    /** The same by namespace/image: a StatefulSet's pods keep their names across versions. */
    final Map<String, double[]> retiredByImage = new ConcurrentHashMap<>();
    /** Objects whose deletion the API server refused: tried again (see {@link #retryWrites}). */
    private final Set<HasMetadata> undeleted = ConcurrentHashMap.newKeySet();
    /**
     * Pods whose creation the API server refused: tried again (see {@link #retryWrites}). Kept in the books meanwhile,
     * as the workload's status counts them; forgotten, such a pod is counted by its workload and seen by nobody, and a
     * node-by-node step waits for it for ever (seen once in CI: a DaemonSet step held until its progressDeadline).
     */
    private final Set<SimPod> uncreated = ConcurrentHashMap.newKeySet();
    private final Function<String, VersionBehaviour> behaviours;

    SimCluster(KubernetesClient client, Function<String, VersionBehaviour> behaviours) {
        this.client = client;
        this.behaviours = behaviours;
    }

    VersionBehaviour behaviourOf(SimPod pod) {
        return behaviours.apply(pod.image);
    }

    /** Creates a pod of the template on a node, not ready yet. */
    SimPod createPod(String namespace, String namePrefix, PodTemplateSpec template, OwnerReference owner, String node,
            String revision) {
        return createPodNamed(namespace, namePrefix + "-" + randomSuffix(), template, owner, node, revision);
    }

    /** The same with the pod's whole name (a StatefulSet's {@code <name>-<ordinal>}). */
    SimPod createPodNamed(String namespace, String name, PodTemplateSpec template, OwnerReference owner, String node,
            String revision) {
        String image = template.getSpec().getContainers().isEmpty()
                ? ""
                : template.getSpec().getContainers().get(0).getImage();
        SimPod pod = new SimPod(namespace, name, node, image, template.getMetadata().getLabels(), revision,
                System.currentTimeMillis());
        Pod object = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(template.getMetadata().getLabels())
                .withOwnerReferences(owner)
                .endMetadata()
                .withSpec(template.getSpec())
                .editSpec().withNodeName(node).endSpec()
                .withNewStatus().withPhase("Running").withPodIP("127.0.0.1")
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("False").build())
                .endStatus()
                .build();
        pods.put(key(namespace, name), pod);
        try {
            pod.written = client.resource(object).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("Pod %s/%s not created (%s); trying again", namespace, name, e.getMessage());
            pod.written = object;
            uncreated.add(pod);
        }
        return pod;
    }

    /** Makes the pod ready or not, as its readiness probe would. */
    void setReady(SimPod p, boolean ready) {
        if (p.ready == ready) {
            return;
        }
        p.ready = ready;
        if (p.written == null) {
            return;
        }
        Pod copy = new PodBuilder(p.written).editStatus()
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                        .build())
                .endStatus().build();
        try {
            p.written = client.resource(copy).updateStatus();
        } catch (KubernetesClientException e) {
            LOG.debugf("status of Pod %s/%s not written: %s", p.namespace, p.name, e.getMessage());
        }
    }

    /** True once the version's start-up time has passed, if the version ever becomes ready. */
    boolean dueReady(SimPod p, long now) {
        VersionBehaviour b = behaviourOf(p);
        return b.becomesReady() && now >= p.createdAtMillis + b.readyAfter().toMillis();
    }

    void deletePod(SimPod p) {
        retire(p);
        delete(p.written);
    }

    /** The pod no longer runs: what it served is kept, so totals only ever grow. */
    void retire(SimPod p) {
        pods.remove(key(p.namespace, p.name));
        // A StatefulSet's pod comes back under the same name: what each one served adds up.
        retired.merge(key(p.namespace, p.name), new double[]{p.metrics.requests(), p.metrics.failures()},
                (a, b) -> new double[]{a[0] + b[0], a[1] + b[1]});
        retiredByImage.merge(key(p.namespace, p.image), new double[]{p.metrics.requests(), p.metrics.failures()},
                (a, b) -> new double[]{a[0] + b[0], a[1] + b[1]});
    }

    void delete(HasMetadata object) {
        if (object == null) {
            return;
        }
        try {
            client.resource(object).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return; // gone already, or never created
            }
            // The object's controller has forgotten it already: a pod left in the API would serve on (and hold a
            // node-by-node move) for ever. Tried again every tick, and said, so a stuck scenario shows why.
            LOG.warnf("%s %s not deleted (%s); trying again", object.getKind(), object.getMetadata().getName(),
                    e.getMessage());
            undeleted.add(object);
        }
    }

    /** Creations and deletions the API server refused, tried again; once per tick. */
    void retryWrites() {
        for (HasMetadata object : List.copyOf(undeleted)) {
            try {
                client.resource(object).delete();
                undeleted.remove(object);
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    undeleted.remove(object);
                } else {
                    LOG.debugf("%s still not deleted: %s", object.getMetadata().getName(), e.getMessage());
                }
            }
        }
        for (SimPod p : List.copyOf(uncreated)) {
            if (!pods.containsKey(key(p.namespace, p.name))) {
                uncreated.remove(p); // its workload let it go meanwhile
                continue;
            }
            Pod object = new PodBuilder(p.written).editMetadata().withResourceVersion(null).endMetadata().editStatus()
                    .withConditions(new PodConditionBuilder().withType("Ready").withStatus(p.ready ? "True" : "False")
                            .build())
                    .endStatus().build();
            try {
                p.written = client.resource(object).create();
                uncreated.remove(p);
            } catch (KubernetesClientException e) {
                Pod there = e.getCode() == 409 ? client.pods().inNamespace(p.namespace).withName(p.name).get() : null;
                if (there != null) {
                    // the first create did land (its answer was lost): this is the pod, readiness written as known
                    p.written = there;
                    uncreated.remove(p);
                    boolean ready = p.ready;
                    p.ready = !ready;
                    setReady(p, ready);
                } else {
                    LOG.debugf("Pod %s/%s still not created: %s", p.namespace, p.name, e.getMessage());
                }
            }
        }
    }

    /** Hashes a pod template as the workload controllers do: FNV-32a, written in their safe alphabet. */
    static String templateHash(PodTemplateSpec template) {
        byte[] bytes = Serialization.asJson(template).getBytes(StandardCharsets.UTF_8);
        int hash = 0x811c9dc5;
        for (byte b : bytes) {
            hash ^= (b & 0xff);
            hash *= 0x01000193;
        }
        String digits = Long.toString(Integer.toUnsignedLong(hash));
        StringBuilder out = new StringBuilder(digits.length());
        for (char c : digits.toCharArray()) {
            out.append(SAFE_CHARS.charAt(c % SAFE_CHARS.length()));
        }
        return out.toString();
    }

    static String randomSuffix() {
        StringBuilder out = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            out.append(SAFE_CHARS.charAt(ThreadLocalRandom.current().nextInt(SAFE_CHARS.length())));
        }
        return out.toString();
    }

    static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
