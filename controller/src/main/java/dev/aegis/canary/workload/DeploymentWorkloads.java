package dev.aegis.canary.workload;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import dev.aegis.canary.api.Canary;

/**
 * The Deployment side of a rollout: the controller-owned primary copy, promotion by copying the template, and the
 * replica counts of both Deployments. Writes are JSON patches of single fields, so the controller never rewrites what
 * Git set on the target (Git owns the target's template; the controller only sets its replicas and one annotation).
 */
@ApplicationScoped
public class DeploymentWorkloads {

    private final KubernetesClient client;

    public DeploymentWorkloads(KubernetesClient client) {
        this.client = client;
    }

    public static String primaryName(String target) {
        return target + "-primary";
    }

    /** The revision the primary serves, as recorded when its template was written. */
    public static String primaryRevision(Deployment primary) {
        Map<String, String> annotations = primary.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(Labels.REVISION);
    }

    /**
     * The replica count someone other than the controller set on the target (Git, on first sight or after a change
     * in Git), or null when the count is the one the controller set.
     */
    public static Integer gitReplicas(Deployment target) {
        Integer replicas = target.getSpec().getReplicas();
        int actual = replicas == null ? 1 : replicas;
        Map<String, String> annotations = target.getMetadata().getAnnotations();
        String set = annotations == null ? null : annotations.get(Labels.REPLICAS);
        return String.valueOf(actual).equals(set) ? null : actual;
    }

    /** Builds the primary: the target's spec with the primary label on its selector and pods. */
    public static Deployment buildPrimary(Canary canary, Deployment target, String revision, int replicas) {
        return new DeploymentBuilder()
                .withMetadata(Ownership.primaryMetadata(canary, target, primaryName(target.getMetadata().getName()),
                        revision))
                .withSpec(new DeploymentSpecBuilder(target.getSpec())
                        .withReplicas(replicas)
                        .withSelector(primarySelector(target))
                        .withTemplate(primaryTemplate(target))
                        .withPaused(null)
                        .build())
                .build();
    }

    static LabelSelector primarySelector(Deployment target) {
        LabelSelector selector = new LabelSelectorBuilder(target.getSpec().getSelector()).build();
        Map<String, String> match = new LinkedHashMap<>();
        if (selector.getMatchLabels() != null) {
            match.putAll(selector.getMatchLabels());
        }
        match.put(Labels.ROLE, Labels.ROLE_PRIMARY);
        selector.setMatchLabels(match);
        return selector;
    }

    static PodTemplateSpec primaryTemplate(Deployment target) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(target.getSpec().getTemplate()).build();
        if (template.getMetadata() == null) {
            template.setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(Labels.ROLE, Labels.ROLE_PRIMARY);
        template.getMetadata().setLabels(labels);
        return template;
    }

    public Deployment createPrimary(Canary canary, Deployment target, String revision, int replicas) {
        return client.resource(buildPrimary(canary, target, revision, replicas)).create();
    }

    /** Copies the target's template (the canary's) into the primary and records its revision. */
    public void promote(Deployment primary, Deployment target, String revision, int replicas) {
        if (revision.equals(primaryRevision(primary)) && Rollouts.desired(primary) == replicas) {
            return;
        }
        JsonPatch.create()
                .set("/spec/template", primaryTemplate(target))
                .set("/spec/replicas", replicas)
                .annotation(primary, Labels.REVISION, revision)
                .applyTo(client, primary);
    }

    /** The Deployment's template revision as the API server has it now (not the cache); empty when it is gone. */
    public Optional<String> freshRevision(Deployment d) {
        Deployment now = client.apps().deployments().inNamespace(d.getMetadata().getNamespace())
                .withName(d.getMetadata().getName()).get();
        return now == null ? Optional.empty() : Optional.of(Revisions.of(now.getSpec().getTemplate()));
    }

    /** Sets the primary's replicas (nothing when it already has them). */
    public void scalePrimary(Deployment primary, int replicas) {
        if (Rollouts.desired(primary) != replicas) {
            JsonPatch.create().set("/spec/replicas", replicas).applyTo(client, primary);
        }
    }

    /**
     * Sets the target's replicas and records the count in an annotation, so a count Git sets later is recognised as
     * Git's (nothing when both are already so). A merge patch: it adds the annotation to whatever others set.
     */
    public void scaleTarget(Deployment target, int replicas) {
        Map<String, String> annotations = target.getMetadata().getAnnotations();
        String recorded = annotations == null ? null : annotations.get(Labels.REPLICAS);
        if (Rollouts.desired(target) == replicas && String.valueOf(replicas).equals(recorded)) {
            return;
        }
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        patch.putObject("spec").put("replicas", replicas);
        patch.putObject("metadata").putObject("annotations").put(Labels.REPLICAS, String.valueOf(replicas));
        client.resource(target).patch(JsonPatch.context(PatchType.JSON_MERGE), patch.toString());
    }

    /** The ReplicaSets a Deployment owns, newest rollout first. */
    public List<ReplicaSet> replicaSets(Deployment d) {
        Map<String, String> match = d.getSpec().getSelector().getMatchLabels();
        List<ReplicaSet> all = client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace())
                .withLabels(match == null ? Map.of() : match).list().getItems();
        String uid = d.getMetadata().getUid();
        return all.stream()
                .filter(rs -> rs.getMetadata().getOwnerReferences() != null && rs.getMetadata().getOwnerReferences()
                        .stream().anyMatch(o -> Objects.equals(o.getUid(), uid)))
                .sorted(Comparator.comparingLong(DeploymentWorkloads::rolloutNumber).reversed())
                .toList();
    }

    /**
     * Whether a ReplicaSet runs a revision of its Deployment's template: matched by template, not by the rollout
     * annotation, which lags a template change.
     */
    static boolean runs(ReplicaSet rs, String revision) {
        return revision.equals(templateRevision(rs));
    }

    /** The revision of a ReplicaSet's template, without the label the Deployment controller adds. */
    static String templateRevision(ReplicaSet rs) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(rs.getSpec().getTemplate()).build();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
            labels.remove(Labels.POD_TEMPLATE_HASH);
            template.getMetadata().setLabels(labels);
        }
        return Revisions.of(template);
    }

    private static long rolloutNumber(ReplicaSet rs) {
        Map<String, String> annotations = rs.getMetadata().getAnnotations();
        try {
            return annotations == null ? 0 : Long.parseLong(annotations.getOrDefault(Labels.DEPLOYMENT_REVISION, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
