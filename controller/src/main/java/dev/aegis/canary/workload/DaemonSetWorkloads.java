package dev.aegis.canary.workload;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
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
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.routing.NodePlacement;
import dev.aegis.canary.routing.NodeView;

/**
 * The DaemonSet side of a node-by-node rollout. A node label named after the Canary marks the nodes that run the
 * canary. The Git-owned DaemonSet gets a required node affinity term for that label, a field Git does not set (the
 * controller adds it only when Git sets no required node affinity, so server-side applies from Flux leave it alone;
 * when Git does, the term must be in Git), and so runs only there. The controller-owned {@code <target>-primary}
 * carries the opposite requirement. Each node thus runs exactly one version, and moving a node is a label change.
 */
@ApplicationScoped
public class DaemonSetWorkloads {

    /** The value of the node label on canary nodes. */
    public static final String CANARY = "canary";
    private static final int MAX_LABEL_NAME = 63;
    /** Concurrent label patches: enough to move a large fleet quickly, few enough to spare the API server. */
    private static final int PARALLEL_PATCHES = 8;

    private final KubernetesClient client;
    private final ExecutorService labelling;

    public DaemonSetWorkloads(KubernetesClient client) {
        this.client = client;
        this.labelling = Executors.newFixedThreadPool(PARALLEL_PATCHES, r -> {
            Thread t = new Thread(r, "node-labels");
            t.setDaemon(true);
            return t;
        });
    }

    @PreDestroy
    void close() {
        labelling.shutdownNow();
    }

    public static final String PRIMARY_SUFFIX = "-primary";

    public static String primaryName(String target) {
        return target + PRIMARY_SUFFIX;
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

    /** label In [canary]: the requirement that keeps the target on canary nodes. */
    static NodeSelectorRequirement onCanary(String label) {
        return new NodeSelectorRequirementBuilder().withKey(label).withOperator("In").withValues(CANARY).build();
    }

    /** label NotIn [canary]: the requirement that keeps the primary off canary nodes. */
    static NodeSelectorRequirement offCanary(String label) {
        return new NodeSelectorRequirementBuilder().withKey(label).withOperator("NotIn").withValues(CANARY).build();
    }

    private static List<NodeSelectorTerm> requiredTerms(PodSpec spec) {
        if (spec == null || spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null
                || spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return List.of();
        }
        List<NodeSelectorTerm> terms = spec.getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
        return terms == null ? List.of() : terms;
    }

    private static boolean hasRequirement(NodeSelectorTerm term, NodeSelectorRequirement requirement) {
        return term.getMatchExpressions() != null && term.getMatchExpressions().contains(requirement);
    }

    /**
     * The target's template as Git wrote it: without the controller's requirement (nor the structure around it) and
     * its pod label.
     */
    public static PodTemplateSpec gitTemplate(DaemonSet target, String label) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(target.getSpec().getTemplate()).build();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null
                && template.getMetadata().getLabels().containsKey(Labels.NODE_ROLLOUT)) {
            Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
            labels.remove(Labels.NODE_ROLLOUT);
            template.getMetadata().setLabels(labels);
        }
        PodSpec spec = template.getSpec();
        List<NodeSelectorTerm> terms = requiredTerms(spec);
        if (terms.isEmpty()) {
            return template;
        }
        NodeSelectorRequirement ours = onCanary(label);
        List<NodeSelectorTerm> kept = new ArrayList<>();
        for (NodeSelectorTerm term : terms) {
            List<NodeSelectorRequirement> expressions = new ArrayList<>(term.getMatchExpressions() == null
                    ? List.of()
                    : term.getMatchExpressions());
            expressions.remove(ours);
            term.setMatchExpressions(expressions.isEmpty() ? null : expressions);
            if (term.getMatchExpressions() != null || (term.getMatchFields() != null
                    && !term.getMatchFields().isEmpty())) {
                kept.add(term);
            }
        }
        NodeAffinity nodeAffinity = spec.getAffinity().getNodeAffinity();
        nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(kept.isEmpty() ? null : new NodeSelector(kept));
        if (nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution() == null
                && (nodeAffinity.getPreferredDuringSchedulingIgnoredDuringExecution() == null
                        || nodeAffinity.getPreferredDuringSchedulingIgnoredDuringExecution().isEmpty())) {
            spec.getAffinity().setNodeAffinity(null);
        }
        Affinity affinity = spec.getAffinity();
        if (affinity.getNodeAffinity() == null && affinity.getPodAffinity() == null
                && affinity.getPodAntiAffinity() == null) {
            spec.setAffinity(null);
        }
        return template;
    }

    /**
     * True once every required node affinity term of the target keeps it on canary nodes, and its pods carry the
     * label the controller watches them by.
     */
    public static boolean isRestricted(DaemonSet target, String label) {
        return keepsOffPrimaryNodes(target, label) && hasPodLabel(target);
    }

    /** Every required node affinity term of the target keeps it on canary nodes. */
    public static boolean keepsOffPrimaryNodes(DaemonSet target, String label) {
        List<NodeSelectorTerm> terms = requiredTerms(target.getSpec().getTemplate().getSpec());
        NodeSelectorRequirement ours = onCanary(label);
        return !terms.isEmpty() && terms.stream().allMatch(t -> hasRequirement(t, ours));
    }

    private static boolean hasPodLabel(DaemonSet d) {
        ObjectMeta meta = d.getSpec().getTemplate().getMetadata();
        return meta != null && meta.getLabels() != null
                && Labels.NODE_ROLLOUT_VALUE.equals(meta.getLabels().get(Labels.NODE_ROLLOUT));
    }

    /** True when the target carries the controller's own term: the controller added it and takes it off. */
    static boolean hasOwnTerm(DaemonSet target, String label) {
        List<NodeSelectorTerm> terms = requiredTerms(target.getSpec().getTemplate().getSpec());
        return terms.size() == 1 && terms.get(0).getMatchExpressions() != null
                && terms.get(0).getMatchExpressions().equals(List.of(onCanary(label)))
                && (terms.get(0).getMatchFields() == null || terms.get(0).getMatchFields().isEmpty());
    }

    /**
     * Why the controller cannot restrict the target itself, or null: Git sets required node affinity on the target,
     * a structure server-side apply lets only one owner have, so the requirement must be added in Git.
     */
    public static String restrictionProblem(DaemonSet target, String label) {
        List<NodeSelectorTerm> terms = requiredTerms(target.getSpec().getTemplate().getSpec());
        NodeSelectorRequirement ours = onCanary(label);
        if (terms.isEmpty() || terms.stream().allMatch(t -> hasRequirement(t, ours))) {
            return null;
        }
        return "the target sets spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuring"
                + "Execution in Git, which the controller cannot add to: add {key: " + label
                + ", operator: In, values: [" + CANARY + "]} to each of its nodeSelectorTerms in Git";
    }

    /** The target's strategy must replace pods itself for nodes to change version. */
    public static String strategyProblem(DaemonSet target) {
        var strategy = target.getSpec().getUpdateStrategy();
        if (strategy != null && "OnDelete".equals(strategy.getType())) {
            return "the target's spec.updateStrategy.type is OnDelete: a node-by-node rollout needs RollingUpdate";
        }
        return null;
    }

    public static String primaryRevision(DaemonSet primary) {
        Map<String, String> annotations = primary.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(Labels.REVISION);
    }

    /** Where a DaemonSet's pods may run, by a template. */
    public static NodePlacement placement(PodTemplateSpec template) {
        PodSpec spec = template.getSpec();
        List<List<NodePlacement.Requirement>> terms = new ArrayList<>();
        for (NodeSelectorTerm term : requiredTerms(spec)) {
            List<NodePlacement.Requirement> requirements = new ArrayList<>();
            if (term.getMatchExpressions() != null) {
                for (NodeSelectorRequirement r : term.getMatchExpressions()) {
                    requirements.add(new NodePlacement.Requirement(r.getKey(), r.getOperator(), r.getValues()));
                }
            }
            if (term.getMatchFields() != null) {
                for (NodeSelectorRequirement r : term.getMatchFields()) {
                    requirements.add(new NodePlacement.Requirement(r.getKey(), r.getOperator(), r.getValues(),
                            true));
                }
            }
            terms.add(requirements);
        }
        List<NodePlacement.Toleration> tolerations = spec.getTolerations() == null
                ? List.of()
                : spec.getTolerations().stream().map(t -> new NodePlacement.Toleration(t.getKey(),
                        t.getOperator() == null ? "Equal" : t.getOperator(), t.getValue(), t.getEffect())).toList();
        return new NodePlacement(spec.getNodeName(), spec.getNodeSelector() == null
                ? Map.of()
                : spec.getNodeSelector(), terms, tolerations, Boolean.TRUE.equals(spec.getHostNetwork()));
    }

    /** A node as scheduling sees it. */
    public static NodePlacement.Node node(Node node) {
        List<NodePlacement.Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null
                ? List.of()
                : node.getSpec().getTaints().stream().map(t -> new NodePlacement.Taint(t.getKey(), t.getValue(),
                        t.getEffect())).toList();
        boolean unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        return new NodePlacement.Node(node.getMetadata().getName(), labels(node), taints, unschedulable,
                isReady(node));
    }

    /** A node's labels, without null values (which only a test server's merge patches leave). */
    public static Map<String, String> labels(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels();
        if (labels == null) {
            return Map.of();
        }
        if (labels.containsValue(null)) {
            labels = new HashMap<>(labels);
            labels.values().removeIf(java.util.Objects::isNull);
        }
        return labels;
    }

    public static boolean isReady(Node node) {
        return node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The primary: a template with the primary label on its pods and selector, kept off canary nodes. */
    public static DaemonSet buildPrimary(Canary canary, DaemonSet target, PodTemplateSpec template, String revision,
            String label) {
        LabelSelector selector = new LabelSelectorBuilder(target.getSpec().getSelector()).build();
        Map<String, String> match = new LinkedHashMap<>(selector.getMatchLabels() == null
                ? Map.of()
                : selector.getMatchLabels());
        match.put(Labels.ROLE, Labels.ROLE_PRIMARY);
        selector.setMatchLabels(match);
        return new DaemonSetBuilder()
                .withMetadata(Ownership.primaryMetadata(canary, target, primaryName(target.getMetadata().getName()),
                        revision))
                .withSpec(new DaemonSetSpecBuilder(target.getSpec())
                        .withSelector(selector)
                        .withTemplate(primaryTemplate(template, label))
                        .build())
                .build();
    }

    /** A Git template with the primary label, and a requirement that keeps it off canary nodes. */
    static PodTemplateSpec primaryTemplate(PodTemplateSpec gitTemplate, String label) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(gitTemplate).build();
        if (template.getMetadata() == null) {
            template.setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels() == null
                ? Map.of()
                : template.getMetadata().getLabels());
        labels.put(Labels.ROLE, Labels.ROLE_PRIMARY);
        labels.put(Labels.NODE_ROLLOUT, Labels.NODE_ROLLOUT_VALUE);
        template.getMetadata().setLabels(labels);
        PodSpec spec = template.getSpec();
        if (spec.getAffinity() == null) {
            spec.setAffinity(new Affinity());
        }
        if (spec.getAffinity().getNodeAffinity() == null) {
            spec.getAffinity().setNodeAffinity(new NodeAffinity());
        }
        NodeAffinity nodeAffinity = spec.getAffinity().getNodeAffinity();
        if (requiredTerms(spec).isEmpty()) {
            NodeSelectorTerm term = new NodeSelectorTerm();
            term.setMatchExpressions(new ArrayList<>(List.of(offCanary(label))));
            nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(new NodeSelector(List.of(term)));
        } else {
            // Terms are ORed: the requirement goes into each, so no term lets the primary onto a canary node.
            for (NodeSelectorTerm term : nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution()
                    .getNodeSelectorTerms()) {
                List<NodeSelectorRequirement> expressions = new ArrayList<>(term.getMatchExpressions() == null
                        ? List.of()
                        : term.getMatchExpressions());
                expressions.add(offCanary(label));
                term.setMatchExpressions(expressions);
            }
        }
        return template;
    }

    public DaemonSet createPrimary(Canary canary, DaemonSet target, PodTemplateSpec template, String revision,
            String label) {
        return client.resource(buildPrimary(canary, target, template, revision, label)).create();
    }

    /**
     * Copies Git's template into the primary and records its revision; the update strategy and minReadySeconds
     * follow Git too, so the primary rolls as the target would.
     */
    public void promote(DaemonSet primary, DaemonSet target, String revision, String label) {
        if (revision.equals(primaryRevision(primary))) {
            return;
        }
        JsonPatch patch = JsonPatch.create()
                .set("/spec/template", primaryTemplate(gitTemplate(target, label), label))
                .annotation(primary, Labels.REVISION, revision);
        if (target.getSpec().getUpdateStrategy() != null) {
            patch.set("/spec/updateStrategy", target.getSpec().getUpdateStrategy());
        }
        if (target.getSpec().getMinReadySeconds() != null) {
            patch.set("/spec/minReadySeconds", target.getSpec().getMinReadySeconds());
        }
        patch.applyTo(client, primary);
    }

    /**
     * Keeps the target on canary nodes: a required node affinity term, where Git sets none (or Git's own terms
     * carry the requirement), and the pod label the controller watches the pods by. One merge patch, so one rolling
     * restart of the target's pods.
     *
     * <p>
     * The patch applies only to the version read: whether to write the terms list was decided on it, and a merge patch
     * replaces the whole list. A target Git changed since (its own terms) or a read the cache has not caught up with
     * (a second patch of the same read) is refused with 409 Conflict, and the next look reads the target again.
     */
    public void restrictTarget(DaemonSet target, String label) {
        if (isRestricted(target, label) || restrictionProblem(target, label) != null) {
            return;
        }
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        patch.putObject("metadata").put("resourceVersion", target.getMetadata().getResourceVersion());
        ObjectNode template = patch.putObject("spec").putObject("template");
        template.putObject("metadata").putObject("labels").put(Labels.NODE_ROLLOUT, Labels.NODE_ROLLOUT_VALUE);
        if (requiredTerms(target.getSpec().getTemplate().getSpec()).isEmpty()) {
            ObjectNode requirement = template.putObject("spec").putObject("affinity").putObject("nodeAffinity")
                    .putObject("requiredDuringSchedulingIgnoredDuringExecution").putArray("nodeSelectorTerms")
                    .addObject().putArray("matchExpressions").addObject();
            requirement.put("key", label).put("operator", "In").putArray("values").add(CANARY);
        }
        client.resource(target).patch(JsonPatch.context(PatchType.JSON_MERGE), patch.toString());
    }

    /**
     * Takes the controller's term off the target, which runs on all its nodes again. A term Git wrote stays: the
     * user removes it in Git.
     *
     * <p>
     * Decided on the target as the API server holds it, not on the cache: this is the last write before the
     * finalizer goes, and a cache that has not yet seen the restriction (written a moment before the Canary was
     * deleted) would leave the target on canary nodes whose labels then come off, so on no node at all. The patch
     * applies to that version only, so a term Git adds meanwhile is never taken with it.
     */
    public void unrestrictTarget(DaemonSet cached, String label) {
        DaemonSet target = client.resource(cached).get();
        if (target == null) {
            return;
        }
        boolean ownTerm = hasOwnTerm(target, label);
        if (!ownTerm && !hasPodLabel(target)) {
            return;
        }
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        patch.putObject("metadata").put("resourceVersion", target.getMetadata().getResourceVersion());
        ObjectNode template = patch.putObject("spec").putObject("template");
        template.putObject("metadata").putObject("labels").putNull(Labels.NODE_ROLLOUT);
        if (ownTerm) {
            template.putObject("spec").putObject("affinity").putObject("nodeAffinity")
                    .putNull("requiredDuringSchedulingIgnoredDuringExecution");
        }
        client.resource(target).patch(JsonPatch.context(PatchType.JSON_MERGE), patch.toString());
    }

    /**
     * Labels nodes for the canary, or takes the label off, several requests at a time: a step of a large fleet moves
     * thousands of nodes.
     */
    public void relabel(List<Node> toCanary, List<Node> toPrimary, String label) {
        List<Runnable> patches = new ArrayList<>();
        toPrimary.forEach(n -> patches.add(() -> setLabel(n, label, null)));
        toCanary.forEach(n -> patches.add(() -> setLabel(n, label, CANARY)));
        if (patches.size() <= 1) {
            patches.forEach(Runnable::run);
            return;
        }
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (Runnable patch : patches) {
            running.add(CompletableFuture.runAsync(patch, labelling));
        }
        try {
            CompletableFuture.allOf(running.toArray(new CompletableFuture[0])).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Sets or (with null) removes one label: a merge patch, idempotent whatever the cache says. */
    private void setLabel(Node node, String label, String value) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode labels = patch.putObject("metadata").putObject("labels");
        if (value == null) {
            labels.putNull(label);
        } else {
            labels.put(label, value);
        }
        // Through the resource, not withName(): the latter reads the node before patching it.
        client.resource(node).patch(JsonPatch.context(PatchType.JSON_MERGE), patch.toString());
    }

    /**
     * The nodes router's view of the nodes: which belong to the fleet (by Git's template), which are labelled for
     * the canary, and each version's pod on each.
     *
     * @param nodes every node
     * @param targetPods the target's pods (labelled for the watch)
     * @param primaryPods the primary's pods, empty when there is no primary
     */
    public static List<NodeView> view(List<Node> nodes, List<Pod> targetPods, List<Pod> primaryPods,
            DaemonSet target, DaemonSet primary, String label) {
        NodePlacement placement = placement(gitTemplate(target, label));
        Map<String, NodeView.Pod> canaryPods = podsByNode(targetPods, templateGeneration(target));
        Map<String, NodeView.Pod> stablePods = primary == null
                ? Map.of()
                : podsByNode(primaryPods, templateGeneration(primary));
        List<NodeView> view = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            NodePlacement.Node node = node(n);
            boolean admits = placement.admits(node);
            boolean onCanary = CANARY.equals(node.labels().get(label));
            NodeView.Pod canaryPod = canaryPods.getOrDefault(node.name(), NodeView.Pod.NONE);
            NodeView.Pod primaryPod = stablePods.getOrDefault(node.name(), NodeView.Pod.NONE);
            // In the fleet: the DaemonSet would start a pod there, or one runs there and may stay (the node went
            // NotReady, or was tainted NoSchedule, after its pod started).
            boolean belongs = admits || (placement.keepsPod(node)
                    && (canaryPod != NodeView.Pod.NONE || primaryPod != NodeView.Pod.NONE));
            if (!belongs && !onCanary) {
                continue;
            }
            String created = n.getMetadata().getCreationTimestamp();
            view.add(new NodeView(node.name(), node.labels(), created == null ? null : Instant.parse(created),
                    belongs, node.ready() && admits, node.unschedulable(), onCanary, canaryPod, primaryPod));
        }
        return view;
    }

    /** Each node's pod of one DaemonSet; of several (one going, one coming), the one that is not being deleted. */
    static Map<String, NodeView.Pod> podsByNode(List<Pod> pods, String generation) {
        Map<String, NodeView.Pod> byNode = new HashMap<>();
        for (Pod p : pods) {
            if (p.getSpec() == null || p.getSpec().getNodeName() == null) {
                continue;
            }
            byNode.merge(p.getSpec().getNodeName(), podState(p, generation),
                    (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        return byNode;
    }

    static NodeView.Pod podState(Pod p, String generation) {
        if (p.getMetadata().getDeletionTimestamp() != null
                || "Succeeded".equals(phase(p)) || "Failed".equals(phase(p))) {
            return NodeView.Pod.TERMINATING;
        }
        boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        if (!ready) {
            return NodeView.Pod.STARTING;
        }
        String made = p.getMetadata().getLabels() == null
                ? null
                : p.getMetadata().getLabels().get(Labels.POD_TEMPLATE_GENERATION);
        return generation == null || made == null || generation.equals(made)
                ? NodeView.Pod.READY
                : NodeView.Pod.STALE;
    }

    private static String phase(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    /** The API server's template generation of a DaemonSet, which its pods are labelled with; null if unknown. */
    static String templateGeneration(DaemonSet d) {
        return d.getMetadata().getAnnotations() == null
                ? null
                : d.getMetadata().getAnnotations().get(Labels.DAEMONSET_TEMPLATE_GENERATION);
    }

    /** Why the DaemonSets' pods cannot be trusted yet: a controller has not seen its DaemonSet's spec; or null. */
    public static String notCaughtUp(DaemonSet... sets) {
        for (DaemonSet d : sets) {
            if (d == null) {
                continue;
            }
            Long generation = d.getMetadata().getGeneration();
            Long observed = d.getStatus() == null ? null : d.getStatus().getObservedGeneration();
            if (generation != null && (observed == null || observed < generation)) {
                return "the DaemonSet controller to see the new spec of " + d.getMetadata().getName();
            }
        }
        return null;
    }

    /** The DaemonSet controller has seen the latest spec and every scheduled pod runs the latest template. */
    public static boolean isUpdated(DaemonSet d) {
        DaemonSetStatus s = d.getStatus();
        if (s == null) {
            return false;
        }
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (s.getObservedGeneration() == null || s.getObservedGeneration() < generation)) {
            return false;
        }
        return count(s.getUpdatedNumberScheduled()) >= count(s.getDesiredNumberScheduled());
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

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }
}
