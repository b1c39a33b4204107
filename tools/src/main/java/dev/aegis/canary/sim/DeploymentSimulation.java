package dev.aegis.canary.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The Deployment and ReplicaSet controllers, simplified: one ReplicaSet per template (named by its hash, numbered by
 * the deployment.kubernetes.io/revision annotation), old pods removed only as new ones become ready, statuses as
 * kubectl reads them.
 */
final class DeploymentSimulation {

    private static final Logger LOG = Logger.getLogger(DeploymentSimulation.class);
    static final String POD_TEMPLATE_HASH = "pod-template-hash";
    static final String DEPLOYMENT_REVISION = "deployment.kubernetes.io/revision";

    /** One simulated ReplicaSet and its pods. */
    private static final class SimReplicaSet {

        final String namespace;
        final String name;
        final String deploymentUid;
        final String hash;
        final long revision;
        final PodTemplateSpec template;
        final List<SimPod> pods = new ArrayList<>();
        int replicas;
        ReplicaSet written;

        SimReplicaSet(String namespace, String name, String deploymentUid, String hash, long revision,
                PodTemplateSpec template) {
            this.namespace = namespace;
            this.name = name;
            this.deploymentUid = deploymentUid;
            this.hash = hash;
            this.revision = revision;
            this.template = template;
        }

        int readyPods() {
            return (int) pods.stream().filter(p -> p.ready).count();
        }
    }

    private final SimCluster cluster;
    private final List<String> nodes;
    private final Map<String, SimReplicaSet> replicaSets = new LinkedHashMap<>();
    private final Map<String, DeploymentStatus> writtenStatus = new LinkedHashMap<>();
    private int nextNode;

    /** @param nodes node names pods are spread over */
    DeploymentSimulation(SimCluster cluster, List<String> nodes) {
        this.cluster = cluster;
        this.nodes = nodes;
    }

    void reconcile(List<Deployment> deployments) {
        Map<String, Deployment> live = new LinkedHashMap<>();
        for (Deployment d : deployments) {
            live.put(d.getMetadata().getUid(), d);
        }
        for (SimReplicaSet rs : replicaSets.values()) {
            // Pods deleted from outside (an eviction) are seen gone, and replaced below.
            rs.pods.removeIf(p -> !cluster.pods.containsKey(SimCluster.key(p.namespace, p.name)));
        }
        // Garbage collection: the ReplicaSets (and pods) of deleted Deployments go.
        for (SimReplicaSet rs : new ArrayList<>(replicaSets.values())) {
            if (!live.containsKey(rs.deploymentUid)) {
                rs.replicas = 0;
                syncPods(rs);
                cluster.delete(rs.written);
                replicaSets.remove(SimCluster.key(rs.namespace, rs.name));
                writtenStatus.remove(rs.deploymentUid);
            }
        }
        live.values().forEach(this::reconcile);
    }

    private void reconcile(Deployment d) {
        String namespace = d.getMetadata().getNamespace();
        String uid = d.getMetadata().getUid();
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        String hash = SimCluster.templateHash(d.getSpec().getTemplate());
        String name = d.getMetadata().getName() + "-" + hash;
        List<SimReplicaSet> owned = new ArrayList<>(
                replicaSets.values().stream().filter(rs -> rs.deploymentUid.equals(uid)).toList());
        SimReplicaSet current = replicaSets.get(SimCluster.key(namespace, name));
        if (current == null) {
            long revision = owned.stream().mapToLong(rs -> rs.revision).max().orElse(0) + 1;
            current = new SimReplicaSet(namespace, name, uid, hash, revision, d.getSpec().getTemplate());
            replicaSets.put(SimCluster.key(namespace, name), current);
            annotateRevision(d, revision);
            owned.add(current);
        }
        current.replicas = desired;
        // Old pods give way as new ones become ready, so the Deployment never runs short (maxUnavailable 0).
        int room = Math.max(0, desired - current.readyPods());
        for (SimReplicaSet old : owned) {
            if (old != current) {
                old.replicas = Math.min(old.pods.size(), room);
                room -= old.replicas;
            }
        }
        int replicas = 0;
        int updated = 0;
        int ready = 0;
        for (SimReplicaSet rs : owned) {
            syncPods(rs);
            writeReplicaSet(d, rs);
            replicas += rs.pods.size();
            ready += rs.readyPods();
            if (rs == current) {
                updated = rs.pods.size();
            }
        }
        DeploymentStatus status = new DeploymentStatusBuilder()
                .withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas)
                .withUpdatedReplicas(updated)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withUnavailableReplicas(Math.max(0, replicas - ready))
                .build();
        if (!status.equals(writtenStatus.get(uid))) {
            try {
                cluster.client.resource(new DeploymentBuilder(d).withStatus(status).build()).updateStatus();
                writtenStatus.put(uid, status);
            } catch (KubernetesClientException e) {
                LOG.debugf("status of Deployment %s/%s not written: %s", namespace, d.getMetadata().getName(),
                        e.getMessage());
            }
        }
    }

    private void annotateRevision(Deployment d, long revision) {
        ArrayNode patch = JsonNodeFactory.instance.arrayNode();
        if (d.getMetadata().getAnnotations() == null) {
            ObjectNode value = JsonNodeFactory.instance.objectNode().put(DEPLOYMENT_REVISION, String.valueOf(revision));
            patch.addObject().put("op", "add").put("path", "/metadata/annotations").set("value", value);
        } else {
            patch.addObject().put("op", "add").put("path", "/metadata/annotations/deployment.kubernetes.io~1revision")
                    .put("value", String.valueOf(revision));
        }
        try {
            cluster.client.apps().deployments().inNamespace(d.getMetadata().getNamespace())
                    .withName(d.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON), patch.toString());
        } catch (KubernetesClientException e) {
            LOG.debugf("revision of Deployment %s not written: %s", d.getMetadata().getName(), e.getMessage());
        }
    }

    private void writeReplicaSet(Deployment d, SimReplicaSet rs) {
        PodTemplateSpec template = podTemplate(rs);
        Map<String, String> selector = new LinkedHashMap<>();
        LabelSelector dSelector = d.getSpec().getSelector();
        if (dSelector != null && dSelector.getMatchLabels() != null) {
            selector.putAll(dSelector.getMatchLabels());
        }
        selector.put(POD_TEMPLATE_HASH, rs.hash);
        int ready = rs.readyPods();
        ReplicaSet desired = new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(rs.name)
                .withNamespace(rs.namespace)
                .withLabels(template.getMetadata().getLabels())
                .withAnnotations(Map.of(DEPLOYMENT_REVISION, String.valueOf(rs.revision)))
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(d.getMetadata().getName()).withUid(rs.deploymentUid).withController(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .withReplicas(rs.replicas)
                .withSelector(new LabelSelectorBuilder().withMatchLabels(selector).build())
                .withTemplate(template)
                .endSpec()
                .withNewStatus()
                .withReplicas(rs.pods.size())
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withObservedGeneration(1L)
                .endStatus()
                .build();
        if (rs.written != null && Objects.equals(rs.written.getSpec(), desired.getSpec())
                && Objects.equals(rs.written.getStatus(), desired.getStatus())) {
            return;
        }
        try {
            rs.written = rs.written == null
                    ? cluster.client.resource(desired).create()
                    : cluster.client.resource(desired).update();
        } catch (KubernetesClientException e) {
            LOG.debugf("ReplicaSet %s/%s not written: %s", rs.namespace, rs.name, e.getMessage());
        }
    }

    private static PodTemplateSpec podTemplate(SimReplicaSet rs) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(rs.template).build();
        if (template.getMetadata() == null) {
            template.setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(POD_TEMPLATE_HASH, rs.hash);
        template.getMetadata().setLabels(labels);
        return template;
    }

    /** Creates and deletes pods until the ReplicaSet has its count, and makes pods ready when their time comes. */
    private void syncPods(SimReplicaSet rs) {
        long now = System.currentTimeMillis();
        while (rs.pods.size() < rs.replicas) {
            String node = nodes.get(nextNode++ % nodes.size());
            rs.pods.add(cluster.createPod(rs.namespace, rs.name, podTemplate(rs),
                    new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet").withName(rs.name)
                            .withUid(rs.written == null ? "" : rs.written.getMetadata().getUid())
                            .withController(true).build(),
                    node, rs.hash));
        }
        if (rs.pods.size() > rs.replicas) {
            // Not-ready pods go first, then the newest, as the ReplicaSet controller does.
            List<SimPod> order = new ArrayList<>(rs.pods);
            order.sort(Comparator.comparing((SimPod p) -> p.ready).thenComparing(p -> -p.createdAtMillis));
            for (SimPod p : order.subList(0, rs.pods.size() - rs.replicas)) {
                rs.pods.remove(p);
                cluster.deletePod(p);
            }
        }
        for (SimPod p : rs.pods) {
            cluster.setReady(p, cluster.dueReady(p, now));
        }
    }
}
