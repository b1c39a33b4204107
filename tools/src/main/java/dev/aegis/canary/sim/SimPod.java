package dev.aegis.canary.sim;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;

/** One simulated pod: where it runs, which version, its counters, and the object last written for it. */
final class SimPod {

    final String namespace;
    final String name;
    final String node;
    final String image;
    /** The template's labels, which Services select on. */
    final Map<String, String> labels;
    /** The template hash it was created from (pod-template-hash or controller-revision-hash). */
    final String revision;
    final long createdAtMillis;
    final PodMetrics metrics = new PodMetrics();
    volatile boolean ready;
    Pod written;

    SimPod(String namespace, String name, String node, String image, Map<String, String> labels,
            String revision, long createdAtMillis) {
        this.namespace = namespace;
        this.name = name;
        this.node = node;
        this.image = image;
        // Not Map.copyOf: the test server keeps the null a merge patch sends to remove a label.
        this.labels = labels == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(labels));
        this.revision = revision;
        this.createdAtMillis = createdAtMillis;
    }
}
