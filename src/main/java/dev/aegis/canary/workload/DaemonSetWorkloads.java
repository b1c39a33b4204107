package dev.aegis.canary.workload;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.routing.NodePlacement;

/**
 * The DaemonSet side of a node-by-node rollout. A node label named after the Canary marks the nodes that run the
 * canary: the Git-owned DaemonSet gets a nodeSelector entry for it (one map key, the controller's alone; nothing Git
 * set is rewritten) and so runs only there; the controller-owned {@code <target>-primary} carries a node affinity
 * term that keeps it off those nodes. Each node thus runs exactly one version, and moving a node between versions is
 * a label change.
 */
@ApplicationScoped
public class DaemonSetWorkloads {

    /** The value of the node label on canary nodes. */
    public static final String CANARY = "canary";
    private static final int MAX_LABEL_NAME = 63;

    /** Concurrent label patches: enough to move a large fleet quickly, few enough to spare the API server. */
    private static final int PARALLEL_PATCHES = 8;

    private final KubernetesClient client;
    private final java.util.concurrent.ExecutorService labelling;

    public DaemonSetWorkloads(KubernetesClient client) {
        this.client = client;
        this.labelling = java.util.concurrent.Executors.newFixedThreadPool(PARALLEL_PATCHES, r -> {
            Thread t = new Thread(r, "node-labels");
            t.setDaemon(true);
            return t;
        });
    }

    @jakarta.annotation.PreDestroy
    void close() {
        labelling.shutdownNow();
    }

    public static String primaryName(String target) {
        return target + "-primary";
    }

    /**
     * The node label of a Canary: canary.aegis.dev/{namespace}.{name}, shortened with a hash when longer than a label
     * name may be.
     */
    public static String nodeLabel(Canary canary) {
        String name = canary.getMetadata().getNamespace() + "." + canary.getMetadata().getName();
        if (name.length() > MAX_LABEL_NAME) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
                String hash = HexFormat.of().formatHex(digest, 0, 4);
                String head = name.substring(0, MAX_LABEL_NAME - hash.length() - 1);
                while (!Character.isLetterOrDigit(head.charAt(head.length() - 1))) {
                    head = head.substring(0, head.length() - 1);
                }
                name = head + "-" + hash;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return "canary.aegis.dev/" + name;
    }

    /** The target's template as Git wrote it: without the controller's nodeSelector entry. */
    public static PodTemplateSpec gitTemplate(DaemonSet target, String label) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(target.getSpec().getTemplate()).build();
        PodSpec spec = template.getSpec();
        if (spec != null && spec.getNodeSelector() != null && spec.getNodeSelector().containsKey(label)) {
            Map<String, String> selector = new LinkedHashMap<>(spec.getNodeSelector());
            selector.remove(label);
            spec.setNodeSelector(selector.isEmpty() ? null : selector);
        }
        return template;
    }

    /** True once the target carries the controller's nodeSelector entry, so it runs only on labelled nodes. */
    public static boolean isRestricted(DaemonSet target, String label) {
        PodSpec spec = target.getSpec().getTemplate().getSpec();
        return spec != null && spec.getNodeSelector() != null && CANARY.equals(spec.getNodeSelector().get(label));
    }

    public static String primaryRevision(DaemonSet primary) {
        Map<String, String> annotations = primary.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(Labels.REVISION);
    }

    /** Where the target's pods may run, by Git's placement rules alone. */
    public static NodePlacement placement(DaemonSet target, String label) {
        PodSpec spec = gitTemplate(target, label).getSpec();
        List<List<NodePlacement.Requirement>> terms = new ArrayList<>();
        Affinity affinity = spec.getAffinity();
        if (affinity != null && affinity.getNodeAffinity() != null
                && affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
            for (NodeSelectorTerm term : affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                    .getNodeSelectorTerms()) {
                List<NodePlacement.Requirement> requirements = new ArrayList<>();
                if (term.getMatchExpressions() != null) {
                    for (NodeSelectorRequirement r : term.getMatchExpressions()) {
                        requirements.add(new NodePlacement.Requirement(r.getKey(), r.getOperator(), r.getValues()));
                    }
                }
                terms.add(requirements);
            }
        }
        List<NodePlacement.Toleration> tolerations = spec.getTolerations() == null
                ? List.of()
                : spec.getTolerations().stream().map(t -> new NodePlacement.Toleration(t.getKey(),
                        t.getOperator() == null ? "Equal" : t.getOperator(), t.getValue(), t.getEffect())).toList();
        return new NodePlacement(spec.getNodeSelector() == null ? Map.of() : spec.getNodeSelector(), terms,
                tolerations);
    }

    /** A node as scheduling sees it. */
    public static NodePlacement.Node node(Node node) {
        List<NodePlacement.Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null
                ? List.of()
                : node.getSpec().getTaints().stream().map(t -> new NodePlacement.Taint(t.getKey(), t.getValue(),
                        t.getEffect())).toList();
        boolean unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        return new NodePlacement.Node(node.getMetadata().getName(),
                node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels(), taints,
                unschedulable, isReady(node));
    }

    public static boolean isReady(Node node) {
        return node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The primary: Git's template with the primary label on its pods and selector, kept off canary nodes. */
    public static DaemonSet buildPrimary(Canary canary, DaemonSet target, String revision, String label) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (target.getMetadata().getLabels() != null) {
            labels.putAll(target.getMetadata().getLabels());
        }
        labels.put(Labels.CANARY, canary.getMetadata().getName());
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        LabelSelector selector = new LabelSelectorBuilder(target.getSpec().getSelector()).build();
        Map<String, String> match = new LinkedHashMap<>(selector.getMatchLabels() == null
                ? Map.of()
                : selector.getMatchLabels());
        match.put(Labels.ROLE, Labels.ROLE_PRIMARY);
        selector.setMatchLabels(match);
        return new DaemonSetBuilder()
                .withMetadata(new ObjectMeta())
                .editMetadata()
                .withName(primaryName(target.getMetadata().getName()))
                .withNamespace(target.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(Map.of(Labels.REVISION, revision))
                .withOwnerReferences(Ownership.ownerReference(canary))
                .endMetadata()
                .withSpec(new DaemonSetSpecBuilder(target.getSpec())
                        .withSelector(selector)
                        .withTemplate(primaryTemplate(target, label))
                        .build())
                .build();
    }

    /** Git's template, the primary label, and a node affinity requirement that keeps it off canary nodes. */
    static PodTemplateSpec primaryTemplate(DaemonSet target, String label) {
        PodTemplateSpec template = gitTemplate(target, label);
        if (template.getMetadata() == null) {
            template.setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels() == null
                ? Map.of()
                : template.getMetadata().getLabels());
        labels.put(Labels.ROLE, Labels.ROLE_PRIMARY);
        template.getMetadata().setLabels(labels);
        NodeSelectorRequirement notCanary = new NodeSelectorRequirementBuilder().withKey(label).withOperator("NotIn")
                .withValues(CANARY).build();
        PodSpec spec = template.getSpec();
        if (spec.getAffinity() == null) {
            spec.setAffinity(new Affinity());
        }
        if (spec.getAffinity().getNodeAffinity() == null) {
            spec.getAffinity().setNodeAffinity(new NodeAffinity());
        }
        NodeAffinity nodeAffinity = spec.getAffinity().getNodeAffinity();
        if (nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution() == null
                || nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms() == null
                || nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().isEmpty()) {
            NodeSelectorTerm term = new NodeSelectorTerm();
            term.setMatchExpressions(new ArrayList<>(List.of(notCanary)));
            nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(new NodeSelector(List.of(term)));
        } else {
            // Terms are ORed: the requirement goes into each, so no term lets the primary onto a canary node.
            for (NodeSelectorTerm term : nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution()
                    .getNodeSelectorTerms()) {
                List<NodeSelectorRequirement> expressions = new ArrayList<>(term.getMatchExpressions() == null
                        ? List.of()
                        : term.getMatchExpressions());
                expressions.add(notCanary);
                term.setMatchExpressions(expressions);
            }
        }
        return template;
    }

    public DaemonSet createPrimary(Canary canary, DaemonSet target, String revision, String label) {
        return client.resource(buildPrimary(canary, target, revision, label)).create();
    }

    /** Copies Git's template into the primary and records its revision. */
    public void promote(DaemonSet primary, DaemonSet target, String revision, String label) {
        if (revision.equals(primaryRevision(primary))) {
            return;
        }
        JsonPatch.create()
                .set("/spec/template", primaryTemplate(target, label))
                .annotation(primary, Labels.REVISION, revision)
                .applyTo(client, primary);
    }

    /** Adds the controller's nodeSelector entry to the target (a merge patch of that one key). */
    public void restrictTarget(DaemonSet target, String label) {
        if (isRestricted(target, label)) {
            return;
        }
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        patch.putObject("spec").putObject("template").putObject("spec").putObject("nodeSelector").put(label, CANARY);
        client.resource(target).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    /** Takes the controller's nodeSelector entry off the target, which runs on all its nodes again. */
    public void unrestrictTarget(DaemonSet target, String label) {
        if (target.getSpec().getTemplate().getSpec().getNodeSelector() == null
                || !target.getSpec().getTemplate().getSpec().getNodeSelector().containsKey(label)) {
            return;
        }
        JsonPatch.create().remove("/spec/template/spec/nodeSelector/" + JsonPatch.escape(label))
                .applyTo(client, target);
    }

    /**
     * Labels nodes for the canary, or takes the label off, several requests at a time: a step of a large fleet moves
     * thousands of nodes.
     */
    public void relabel(List<Node> toCanary, List<Node> toPrimary, String label) {
        List<Runnable> patches = new ArrayList<>();
        toPrimary.forEach(n -> patches.add(() -> unlabel(n, label)));
        toCanary.forEach(n -> patches.add(() -> labelCanary(n, label)));
        if (patches.size() <= 1) {
            patches.forEach(Runnable::run);
            return;
        }
        List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>();
        for (Runnable patch : patches) {
            running.add(java.util.concurrent.CompletableFuture.runAsync(patch, labelling));
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(running.toArray(new java.util.concurrent.CompletableFuture[0]))
                    .join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Marks a node for the canary (a merge patch of that one label). */
    public void labelCanary(Node node, String label) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        patch.putObject("metadata").putObject("labels").put(label, CANARY);
        client.resource(node).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    public void unlabel(Node node, String label) {
        if (node.getMetadata().getLabels() != null && node.getMetadata().getLabels().containsKey(label)) {
            JsonPatch.create().remove("/metadata/labels/" + JsonPatch.escape(label)).applyTo(client, node);
        }
    }

    /**
     * Rolled out: the DaemonSet controller has seen the latest spec and every scheduled pod runs the latest template;
     * {@code ready} of them, at least, are available.
     */
    public static boolean isRolledOut(DaemonSet d, int ready) {
        DaemonSetStatus s = d.getStatus();
        if (s == null) {
            return false;
        }
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (s.getObservedGeneration() == null || s.getObservedGeneration() < generation)) {
            return false;
        }
        return count(s.getUpdatedNumberScheduled()) >= count(s.getDesiredNumberScheduled())
                && count(s.getNumberAvailable()) >= ready;
    }

    /** The DaemonSet controller has seen the latest spec. */
    public static boolean isCurrent(DaemonSet d) {
        DaemonSetStatus s = d.getStatus();
        Long generation = d.getMetadata().getGeneration();
        return s != null && (generation == null || (s.getObservedGeneration() != null
                && s.getObservedGeneration() >= generation));
    }

    /** spec.updateStrategy.rollingUpdate.maxUnavailable as written (a count or a percentage), or null. */
    public static String maxUnavailable(DaemonSet d) {
        var strategy = d.getSpec().getUpdateStrategy();
        if (strategy == null || strategy.getRollingUpdate() == null
                || strategy.getRollingUpdate().getMaxUnavailable() == null) {
            return null;
        }
        var value = strategy.getRollingUpdate().getMaxUnavailable();
        return value.getIntVal() != null ? String.valueOf(value.getIntVal()) : value.getStrVal();
    }

    public static int desired(DaemonSet d) {
        return d.getStatus() == null ? 0 : count(d.getStatus().getDesiredNumberScheduled());
    }

    public static int available(DaemonSet d) {
        return d.getStatus() == null ? 0 : count(d.getStatus().getNumberAvailable());
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }
}
