package dev.aegis.canary.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.ServiceSpec;
import dev.aegis.canary.workload.JsonPatch;
import dev.aegis.canary.workload.Labels;
import dev.aegis.canary.workload.Ownership;

/**
 * The Services of spec.service: {@code <svc>} selects the pods of both versions (with the replicas router, pod counts
 * split its traffic), {@code <svc>-primary} only the primary's, {@code <svc>-canary} only the pods of the revision
 * under test (by the pod-template-hash of its ReplicaSet). A Service of that name the controller did not create is
 * left alone.
 */
@ApplicationScoped
public class CanaryServices {

    /** A selector value no pod carries: the canary Service before the canary has pods. */
    static final String NO_PODS = "none";

    private final KubernetesClient client;
    /** Services found to be someone else's, per Canary uid; looked up once. */
    private final Set<String> knownForeign = ConcurrentHashMap.newKeySet();

    public CanaryServices(KubernetesClient client) {
        this.client = client;
    }

    public static String baseName(Canary canary) {
        ServiceSpec spec = canary.getSpec().getService();
        return spec.getName() != null ? spec.getName() : canary.getSpec().getTargetRef().getName();
    }

    /** The three names, apex first. */
    public static List<String> names(Canary canary) {
        String base = baseName(canary);
        return List.of(base, base + "-primary", base + "-canary");
    }

    /**
     * Creates or updates the three Services.
     *
     * @param targetLabels the target's selector (matchLabels)
     * @param apexOnPrimary the apex Service selects only the primary's pods (a weighted router sends the canary its
     *            share through {@code <svc>-canary}); otherwise both versions' pods, whose counts carry the split
     * @param canaryPodHash the pod-template-hash of the canary's ReplicaSet, or null when there is none yet
     * @param cached the controller's Services by name, from the informer cache
     * @return names of Services found, for the first time, to belong to someone else (left untouched)
     */
    public List<String> ensure(Canary canary, Map<String, String> targetLabels, boolean apexOnPrimary,
            String canaryPodHash, Function<String, Service> cached) {
        Map<String, String> primary = new LinkedHashMap<>(targetLabels);
        primary.put(Labels.ROLE, Labels.ROLE_PRIMARY);
        Map<String, String> canaryPods = with(targetLabels, Labels.POD_TEMPLATE_HASH, canaryPodHash);
        return ensure(canary, List.of(apexOnPrimary ? primary : targetLabels, primary, canaryPods), cached);
    }

    /** The labels plus {@code key=value}; with a null value, a value no pod carries. */
    public static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> selector = new LinkedHashMap<>(labels);
        selector.put(key, value == null ? NO_PODS : value);
        return selector;
    }

    /**
     * Creates or updates the three Services with these selectors, apex first.
     *
     * @return names of Services found, for the first time, to belong to someone else (left untouched)
     */
    public List<String> ensure(Canary canary, List<Map<String, String>> selectors, Function<String, Service> cached) {
        String namespace = canary.getMetadata().getNamespace();
        List<String> names = names(canary);
        List<String> foreign = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Service desired = build(canary, names.get(i), selectors.get(i));
            Service current = cached.apply(names.get(i));
            if (current == null) {
                String key = canary.getMetadata().getUid() + "/" + names.get(i);
                if (knownForeign.contains(key)) {
                    continue;
                }
                // Not among the controller's Services (the cache holds only those): someone else's, or none yet.
                Service existing = client.services().inNamespace(namespace).withName(names.get(i)).get();
                if (existing != null && !Ownership.isOwnedBy(existing, canary)) {
                    knownForeign.add(key);
                    foreign.add(names.get(i));
                } else if (existing == null) {
                    client.resource(desired).create();
                }
            } else if (!Ownership.isOwnedBy(current, canary)) {
                foreign.add(names.get(i));
            } else if (!Objects.equals(current.getSpec().getSelector(), desired.getSpec().getSelector())
                    || !samePorts(current.getSpec().getPorts(), desired.getSpec().getPorts())) {
                JsonPatch.create()
                        .set("/spec/selector", desired.getSpec().getSelector())
                        .set("/spec/ports", desired.getSpec().getPorts())
                        .applyTo(client, current);
            }
        }
        return foreign;
    }

    /**
     * True when the canary Service already selects the pods of the revision under test, as the cache shows it, so
     * traffic sent to it finds them; also true for a canary Service someone else owns, which the controller cannot
     * judge.
     */
    public static boolean selectsRevision(Canary canary, String canaryPodHash, Function<String, Service> cached) {
        return selects(canary, 2, Labels.POD_TEMPLATE_HASH, canaryPodHash, cached);
    }

    /**
     * The same for any of the three Services (0 apex, 1 primary, 2 canary) and label: it selects {@code label=value}
     * as the cache shows it; true for a Service someone else owns.
     */
    public static boolean selects(Canary canary, int service, String label, String value,
            Function<String, Service> cached) {
        Service current = cached.apply(names(canary).get(service));
        if (current != null && !Ownership.isOwnedBy(current, canary)) {
            return true;
        }
        return value != null && current != null && current.getSpec().getSelector() != null
                && value.equals(current.getSpec().getSelector().get(label));
    }

    private static boolean samePorts(List<ServicePort> a, List<ServicePort> b) {
        if (a == null || a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Objects.equals(a.get(i).getPort(), b.get(i).getPort())
                    || !Objects.equals(a.get(i).getTargetPort(), b.get(i).getTargetPort())
                    || !Objects.equals(a.get(i).getName(), b.get(i).getName())) {
                return false;
            }
        }
        return true;
    }

    private static Service build(Canary canary, String name, Map<String, String> selector) {
        ServiceSpec spec = canary.getSpec().getService();
        int targetPort = spec.getTargetPort() != null ? spec.getTargetPort() : spec.getPort();
        return new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(canary.getMetadata().getNamespace())
                .withLabels(Map.of(Labels.CANARY, canary.getMetadata().getName(), Labels.MANAGED_BY,
                        Labels.MANAGED_BY_VALUE))
                .withOwnerReferences(Ownership.ownerReference(canary))
                .endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(selector)
                .withPorts(new ServicePortBuilder()
                        .withName(spec.getPortName() != null ? spec.getPortName() : "http")
                        .withProtocol("TCP")
                        .withPort(spec.getPort())
                        .withTargetPort(new IntOrString(targetPort))
                        .build())
                .endSpec()
                .build();
    }

    /** Forgets what was learnt about a deleted Canary's Services. */
    public void forget(Canary canary) {
        String prefix = canary.getMetadata().getUid() + "/";
        knownForeign.removeIf(key -> key.startsWith(prefix));
    }

    /** On Canary deletion: the canary Service goes; the apex and primary Services stay, released, and keep serving. */
    public void release(Canary canary, Ownership ownership) {
        String namespace = canary.getMetadata().getNamespace();
        List<String> names = names(canary);
        for (int i = 0; i < names.size(); i++) {
            Service current = client.services().inNamespace(namespace).withName(names.get(i)).get();
            if (current == null || !Ownership.isOwnedBy(current, canary)) {
                continue;
            }
            if (i == 2) {
                client.resource(current).delete();
            } else {
                ownership.release(current);
            }
        }
    }
}
