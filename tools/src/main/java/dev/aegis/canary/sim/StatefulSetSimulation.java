package dev.aegis.canary.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The StatefulSet controller, simplified: pods {@code <name>-<ordinal>} made in order, each ready before the next; a
 * rolling update from the highest ordinal down to the partition, one pod at a time; a pod deleted from outside made
 * again at the current revision below the partition and the update revision at or above it; revisions named
 * {@code <name>-<template hash>}; statuses as kubectl reads them. Volumes are not simulated.
 */
final class StatefulSetSimulation {

    private static final Logger LOG = Logger.getLogger(StatefulSetSimulation.class);
    static final String POD_REVISION = "controller-revision-hash";
    static final String POD_NAME = "statefulset.kubernetes.io/pod-name";

    /** One simulated StatefulSet: its revisions and its pods by ordinal. */
    private static final class SimSet {

        final String namespace;
        final String name;
        final String uid;
        final Map<String, PodTemplateSpec> revisions = new HashMap<>();
        final TreeMap<Integer, SimPod> pods = new TreeMap<>();
        String currentRevision;
        StatefulSetStatus written;

        SimSet(String namespace, String name, String uid) {
            this.namespace = namespace;
            this.name = name;
            this.uid = uid;
        }
    }

    private final SimCluster cluster;
    private final List<String> nodes;
    private final Map<String, SimSet> sets = new LinkedHashMap<>();
    /** Uids of pods the API server saw deleted (by the canary controller, say), not yet acted on. */
    private final Set<String> deletedFromOutside = ConcurrentHashMap.newKeySet();
    private int nextNode;

    StatefulSetSimulation(SimCluster cluster, List<String> nodes) {
        this.cluster = cluster;
        this.nodes = nodes;
    }

    /** A pod's deletion as the API server tells it: its StatefulSet makes it again. */
    void deleted(String uid) {
        if (uid != null) {
            deletedFromOutside.add(uid);
        }
    }

    void reconcile(List<StatefulSet> live) {
        Set<String> gone = new HashSet<>(deletedFromOutside);
        deletedFromOutside.removeAll(gone);
        Set<String> uids = new HashSet<>();
        for (StatefulSet sts : live) {
            uids.add(sts.getMetadata().getUid());
        }
        for (SimSet s : new ArrayList<>(sets.values())) {
            if (!uids.contains(s.uid)) {
                s.pods.values().forEach(cluster::deletePod); // the garbage collector's work
                sets.remove(s.uid);
            }
        }
        for (StatefulSet sts : live) {
            SimSet s = sets.computeIfAbsent(sts.getMetadata().getUid(), uid -> new SimSet(
                    sts.getMetadata().getNamespace(), sts.getMetadata().getName(), uid));
            s.pods.values().removeIf(p -> {
                boolean deleted = p.written != null && gone.contains(p.written.getMetadata().getUid());
                if (deleted && cluster.pods.get(SimCluster.key(p.namespace, p.name)) == p) {
                    cluster.retire(p); // not yet retired by whoever deleted it
                }
                return deleted || !cluster.pods.containsKey(SimCluster.key(p.namespace, p.name));
            });
            reconcile(sts, s);
        }
    }

    private void reconcile(StatefulSet sts, SimSet s) {
        long now = System.currentTimeMillis();
        String update = s.name + "-" + SimCluster.templateHash(sts.getSpec().getTemplate());
        s.revisions.putIfAbsent(update, sts.getSpec().getTemplate());
        if (s.currentRevision == null) {
            s.currentRevision = update;
        }
        int replicas = sts.getSpec().getReplicas() == null ? 1 : sts.getSpec().getReplicas();
        var strategy = sts.getSpec().getUpdateStrategy();
        int partition = strategy == null || strategy.getRollingUpdate() == null
                || strategy.getRollingUpdate().getPartition() == null ? 0 : strategy.getRollingUpdate().getPartition();
        for (SimPod p : s.pods.values()) {
            cluster.setReady(p, cluster.dueReady(p, now));
        }
        // One change per look, in the real controller's order: make missing pods (lowest first, each after the
        // ones below are ready), remove pods beyond replicas (highest first), then update (highest first).
        boolean allReady = true;
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            SimPod p = s.pods.get(ordinal);
            if (p == null) {
                if (allReady) {
                    create(sts, s, ordinal, ordinal >= partition ? update : s.currentRevision);
                }
                allReady = false;
                break;
            }
            allReady &= p.ready;
        }
        if (allReady && !s.pods.isEmpty() && s.pods.lastKey() >= replicas) {
            cluster.deletePod(s.pods.remove(s.pods.lastKey()));
            allReady = false;
        }
        if (allReady) {
            for (int ordinal = replicas - 1; ordinal >= partition; ordinal--) {
                SimPod p = s.pods.get(ordinal);
                if (p != null && !update.equals(p.revision)) {
                    cluster.deletePod(s.pods.remove(ordinal)); // made again at the update revision next look
                    break;
                }
            }
        }
        int updated = (int) s.pods.values().stream().filter(p -> update.equals(p.revision)).count();
        if (updated == replicas && s.pods.size() == replicas) {
            s.currentRevision = update;
        }
        int ready = (int) s.pods.values().stream().filter(p -> p.ready).count();
        int current = (int) s.pods.values().stream().filter(p -> s.currentRevision.equals(p.revision)).count();
        StatefulSetStatus status = new StatefulSetStatusBuilder()
                .withObservedGeneration(sts.getMetadata().getGeneration())
                .withReplicas(s.pods.size())
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withCurrentReplicas(current)
                .withUpdatedReplicas(updated)
                .withCurrentRevision(s.currentRevision)
                .withUpdateRevision(update)
                .build();
        if (!Objects.equals(status, s.written)) {
            try {
                cluster.client.resource(new StatefulSetBuilder(sts).withStatus(status).build()).updateStatus();
                s.written = status;
            } catch (KubernetesClientException e) {
                LOG.debugf("status of StatefulSet %s/%s not written: %s", s.namespace, s.name, e.getMessage());
            }
        }
    }

    private void create(StatefulSet sts, SimSet s, int ordinal, String revision) {
        String name = s.name + "-" + ordinal;
        PodTemplateSpec template = new PodTemplateSpecBuilder(s.revisions.get(revision)).build();
        if (template.getMetadata() == null) {
            template.setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(POD_REVISION, revision);
        labels.put(POD_NAME, name);
        template.getMetadata().setLabels(labels);
        s.pods.put(ordinal, cluster.createPodNamed(s.namespace, name, template, new OwnerReferenceBuilder()
                .withApiVersion("apps/v1").withKind("StatefulSet").withName(s.name).withUid(s.uid)
                .withController(true).build(), nodes.get(nextNode++ % nodes.size()), revision));
    }
}
