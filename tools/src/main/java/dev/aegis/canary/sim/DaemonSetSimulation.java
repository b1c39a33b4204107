package dev.aegis.canary.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The DaemonSet controller, the scheduler's node filtering and the node lifecycle controller, simplified: a pod on
 * every node the pod template admits (nodeSelector, required node affinity, taints against tolerations and the ones
 * the DaemonSet controller adds), none elsewhere. A pod whose node stops being admitted only because of a NoSchedule
 * taint (a NotReady node, a drained one) keeps running, as in Kubernetes; a NotReady node gets no new pod. A new
 * template replaces pods node by node, never more unavailable at once than maxUnavailable, and pods carry their
 * template generation. Written independently of the controller's own placement code, so tests compare two
 * implementations.
 */
final class DaemonSetSimulation {

    private static final Logger LOG = Logger.getLogger(DaemonSetSimulation.class);
    static final String REVISION_LABEL = "controller-revision-hash";
    static final String TEMPLATE_GENERATION_LABEL = "pod-template-generation";
    static final String TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";
    static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";
    static final String UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";
    /** Tolerated with effect NoExecute by every DaemonSet pod: their pods stay on a node that goes down. */
    private static final Set<String> TOLERATED_NO_EXECUTE = Set.of(NOT_READY_TAINT,
            "node.kubernetes.io/unreachable");
    /** Tolerated with effect NoSchedule by every DaemonSet pod. */
    private static final Set<String> TOLERATED_NO_SCHEDULE = Set.of(UNSCHEDULABLE_TAINT,
            "node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure",
            "node.kubernetes.io/pid-pressure");
    /** Tolerated with effect NoSchedule by host-network DaemonSet pods only. */
    private static final String NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable";

    private static final class SimDaemonSet {

        final Map<String, SimPod> podsByNode = new LinkedHashMap<>();
        DaemonSetStatus written;
        String hash;
        long templateGeneration;
    }

    private final SimCluster cluster;
    private final Map<String, SimDaemonSet> sets = new LinkedHashMap<>();

    DaemonSetSimulation(SimCluster cluster) {
        this.cluster = cluster;
    }

    void reconcile(List<DaemonSet> daemonSets, List<Node> nodes) {
        taintNodes(nodes);
        for (SimDaemonSet set : sets.values()) {
            // Pods deleted from outside (an eviction) are seen gone, and replaced below.
            set.podsByNode.values().removeIf(p -> !cluster.pods.containsKey(SimCluster.key(p.namespace, p.name)));
        }
        Map<String, DaemonSet> live = new LinkedHashMap<>();
        daemonSets.forEach(d -> live.put(d.getMetadata().getUid(), d));
        for (String uid : new ArrayList<>(sets.keySet())) {
            if (!live.containsKey(uid)) {
                sets.remove(uid).podsByNode.values().forEach(cluster::deletePod);
            }
        }
        Map<String, Node> byName = new LinkedHashMap<>();
        nodes.forEach(n -> byName.put(n.getMetadata().getName(), n));
        live.values().forEach(d -> reconcile(d, byName));
    }

    /**
     * The node lifecycle controller: a NotReady node is tainted not-ready (both effects), a cordoned one (spec
     * unschedulable) unschedulable NoSchedule, which DaemonSet pods tolerate; taints that no longer hold go.
     */
    private void taintNodes(List<Node> nodes) {
        for (Node n : nodes) {
            List<Taint> taints = n.getSpec() == null || n.getSpec().getTaints() == null
                    ? List.of()
                    : n.getSpec().getTaints();
            boolean notReady = !isReady(n);
            boolean cordoned = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
            boolean notReadyTainted = taints.stream().anyMatch(t -> NOT_READY_TAINT.equals(t.getKey()));
            boolean cordonTainted = taints.stream().anyMatch(t -> UNSCHEDULABLE_TAINT.equals(t.getKey()));
            if (notReadyTainted == notReady && cordonTainted == cordoned) {
                continue;
            }
            List<Taint> updated = new ArrayList<>(taints);
            if (notReadyTainted != notReady) {
                updated.removeIf(t -> NOT_READY_TAINT.equals(t.getKey()));
                if (notReady) {
                    updated.add(new TaintBuilder().withKey(NOT_READY_TAINT).withEffect("NoSchedule").build());
                    updated.add(new TaintBuilder().withKey(NOT_READY_TAINT).withEffect("NoExecute").build());
                }
            }
            if (cordonTainted != cordoned) {
                updated.removeIf(t -> UNSCHEDULABLE_TAINT.equals(t.getKey()));
                if (cordoned) {
                    updated.add(new TaintBuilder().withKey(UNSCHEDULABLE_TAINT).withEffect("NoSchedule").build());
                }
            }
            try {
                cluster.client.nodes().withName(n.getMetadata().getName()).edit(node -> {
                    if (node.getSpec() == null) {
                        node.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
                    }
                    node.getSpec().setTaints(updated);
                    return node;
                });
            } catch (KubernetesClientException e) {
                LOG.debugf("taints of node %s not written: %s", n.getMetadata().getName(), e.getMessage());
            }
        }
    }

    private void reconcile(DaemonSet d, Map<String, Node> nodes) {
        SimDaemonSet set = sets.computeIfAbsent(d.getMetadata().getUid(), uid -> new SimDaemonSet());
        String namespace = d.getMetadata().getNamespace();
        String hash = SimCluster.templateHash(d.getSpec().getTemplate());
        d = trackTemplateGeneration(d, set, hash);
        PodSpec spec = d.getSpec().getTemplate().getSpec();
        List<String> shouldRun = nodes.values().stream().filter(n -> admits(spec, n, false))
                .map(n -> n.getMetadata().getName()).sorted().toList();

        // Pods on nodes that are gone or may not keep them (selector, affinity, NoExecute taint) are removed.
        for (String node : new ArrayList<>(set.podsByNode.keySet())) {
            Node n = nodes.get(node);
            if (n == null || !admits(spec, n, true)) {
                cluster.deletePod(set.podsByNode.remove(node));
            }
        }
        // A new template replaces old pods, at most maxUnavailable nodes down at a time.
        int maxUnavailable = maxUnavailable(d, shouldRun.size());
        long unavailable = shouldRun.stream().filter(n -> set.podsByNode.get(n) == null
                || !set.podsByNode.get(n).ready).count();
        List<SimPod> old = set.podsByNode.values().stream().filter(p -> !p.revision.equals(hash))
                .sorted(Comparator.comparing((SimPod p) -> p.ready).thenComparing(p -> p.node)).toList();
        for (SimPod p : old) {
            if (p.ready && unavailable >= maxUnavailable) {
                break;
            }
            set.podsByNode.remove(p.node);
            cluster.deletePod(p);
            if (p.ready) {
                unavailable++;
            }
        }
        long now = System.currentTimeMillis();
        PodTemplateSpec template = podTemplate(d, hash, set.templateGeneration);
        for (String node : shouldRun) {
            if (!set.podsByNode.containsKey(node)) {
                set.podsByNode.put(node, cluster.createPod(namespace, d.getMetadata().getName(), template,
                        new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("DaemonSet")
                                .withName(d.getMetadata().getName()).withUid(d.getMetadata().getUid())
                                .withController(true).build(),
                        node, hash));
            }
        }
        int ready = 0;
        int updated = 0;
        for (SimPod p : set.podsByNode.values()) {
            cluster.setReady(p, isReady(nodes.get(p.node)) && cluster.dueReady(p, now));
            if (shouldRun.contains(p.node)) {
                ready += p.ready ? 1 : 0;
                updated += p.revision.equals(hash) ? 1 : 0;
            }
        }
        DaemonSetStatus status = new DaemonSetStatusBuilder()
                .withObservedGeneration(d.getMetadata().getGeneration())
                .withDesiredNumberScheduled(shouldRun.size())
                .withCurrentNumberScheduled((int) set.podsByNode.keySet().stream().filter(shouldRun::contains)
                        .count())
                .withNumberMisscheduled(0)
                .withNumberReady(ready)
                .withNumberAvailable(ready)
                .withNumberUnavailable(Math.max(0, shouldRun.size() - ready))
                .withUpdatedNumberScheduled(updated)
                .build();
        if (!status.equals(set.written)) {
            try {
                cluster.client.resource(new DaemonSetBuilder(d).withStatus(status).build()).updateStatus();
                set.written = status;
            } catch (KubernetesClientException e) {
                LOG.debugf("status of DaemonSet %s/%s not written: %s", namespace, d.getMetadata().getName(),
                        e.getMessage());
            }
        }
    }

    /**
     * The API server's part: the DaemonSet's template generation goes up with every template change, and is written
     * in an annotation the pods' label is compared with.
     */
    private DaemonSet trackTemplateGeneration(DaemonSet d, SimDaemonSet set, String hash) {
        Map<String, String> annotations = d.getMetadata().getAnnotations() == null
                ? Map.of()
                : d.getMetadata().getAnnotations();
        if (set.hash == null) {
            String written = annotations.get(TEMPLATE_GENERATION_ANNOTATION);
            set.templateGeneration = written == null ? 1 : Long.parseLong(written);
        } else if (!set.hash.equals(hash)) {
            set.templateGeneration++;
        }
        set.hash = hash;
        String value = String.valueOf(set.templateGeneration);
        if (value.equals(annotations.get(TEMPLATE_GENERATION_ANNOTATION))) {
            return d;
        }
        try {
            return cluster.client.apps().daemonSets().inNamespace(d.getMetadata().getNamespace())
                    .withName(d.getMetadata().getName()).edit(ds -> {
                        Map<String, String> a = new LinkedHashMap<>(ds.getMetadata().getAnnotations() == null
                                ? Map.of()
                                : ds.getMetadata().getAnnotations());
                        a.put(TEMPLATE_GENERATION_ANNOTATION, value);
                        ds.getMetadata().setAnnotations(a);
                        return ds;
                    });
        } catch (KubernetesClientException e) {
            LOG.debugf("template generation of %s not written: %s", d.getMetadata().getName(), e.getMessage());
            return d;
        }
    }

    private static PodTemplateSpec podTemplate(DaemonSet d, String hash, long templateGeneration) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(d.getSpec().getTemplate()).build();
        if (template.getMetadata() == null) {
            template.setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(REVISION_LABEL, hash);
        labels.put(TEMPLATE_GENERATION_LABEL, String.valueOf(templateGeneration));
        template.getMetadata().setLabels(labels);
        return template;
    }

    private static int maxUnavailable(DaemonSet d, int nodes) {
        var strategy = d.getSpec().getUpdateStrategy();
        if (strategy == null || strategy.getRollingUpdate() == null
                || strategy.getRollingUpdate().getMaxUnavailable() == null) {
            return 1;
        }
        var value = strategy.getRollingUpdate().getMaxUnavailable();
        if (value.getIntVal() != null) {
            return Math.max(1, value.getIntVal());
        }
        String s = value.getStrVal();
        return Math.max(1, s.endsWith("%")
                ? Integer.parseInt(s.substring(0, s.length() - 1)) * nodes / 100
                : Integer.parseInt(s));
    }

    static boolean isReady(Node node) {
        return node != null && node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * Would the DaemonSet controller put this pod on the node (or, with {@code keep}, let a pod there keep running:
     * NoSchedule taints then do not count)?
     */
    static boolean admits(PodSpec pod, Node node, boolean keep) {
        Map<String, String> labels = node.getMetadata().getLabels() == null
                ? Map.of()
                : node.getMetadata().getLabels();
        if (pod.getNodeSelector() != null && !pod.getNodeSelector().entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
            return false;
        }
        if (pod.getAffinity() != null && pod.getAffinity().getNodeAffinity() != null
                && pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
            List<NodeSelectorTerm> terms = pod.getAffinity().getNodeAffinity()
                    .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
            if (terms != null && !terms.isEmpty() && terms.stream().noneMatch(t -> matches(t, labels,
                    node.getMetadata().getName()))) {
                return false;
            }
        }
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null
                ? List.of()
                : node.getSpec().getTaints();
        List<Toleration> tolerations = pod.getTolerations() == null ? List.of() : pod.getTolerations();
        for (Taint taint : taints) {
            boolean noSchedule = "NoSchedule".equals(taint.getEffect());
            if ((!noSchedule && !"NoExecute".equals(taint.getEffect())) || (noSchedule && keep)) {
                continue;
            }
            if ((noSchedule ? TOLERATED_NO_SCHEDULE : TOLERATED_NO_EXECUTE).contains(taint.getKey())
                    || (noSchedule && NETWORK_UNAVAILABLE.equals(taint.getKey())
                            && Boolean.TRUE.equals(pod.getHostNetwork()))) {
                continue;
            }
            if (tolerations.stream().noneMatch(t -> tolerates(t, taint))) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(NodeSelectorTerm term, Map<String, String> labels, String nodeName) {
        List<NodeSelectorRequirement> expressions = term.getMatchExpressions() == null
                ? List.of()
                : term.getMatchExpressions();
        for (NodeSelectorRequirement r : expressions) {
            String v = labels.get(r.getKey());
            List<String> values = r.getValues() == null ? List.of() : r.getValues();
            boolean ok = switch (r.getOperator()) {
                case "In" -> v != null && values.contains(v);
                case "NotIn" -> v == null || !values.contains(v);
                case "Exists" -> v != null;
                case "DoesNotExist" -> v == null;
                case "Gt" -> v != null && Long.parseLong(v) > Long.parseLong(values.get(0));
                case "Lt" -> v != null && Long.parseLong(v) < Long.parseLong(values.get(0));
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
        for (NodeSelectorRequirement f : fields) {
            if ("metadata.name".equals(f.getKey())) {
                boolean in = f.getValues() != null && f.getValues().contains(nodeName);
                if ("In".equals(f.getOperator()) != in) {
                    return false;
                }
            }
        }
        return !expressions.isEmpty() || !fields.isEmpty();
    }

    private static boolean tolerates(Toleration t, Taint taint) {
        if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) {
            return false;
        }
        if (t.getKey() == null || t.getKey().isEmpty()) {
            return "Exists".equals(t.getOperator());
        }
        if (!t.getKey().equals(taint.getKey())) {
            return false;
        }
        return "Exists".equals(t.getOperator())
                || java.util.Objects.equals(t.getValue() == null ? "" : t.getValue(),
                        taint.getValue() == null ? "" : taint.getValue());
    }
}
