package dev.aegis.canary.sim;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * The pods of a real cluster as traffic sees them: the real controllers make the pods and the (fake) kubelets run
 * them, so the simulator only mirrors which pods are ready, where, with which image, and lets them serve. A pod that
 * leaves the API (or is being deleted), or is replaced by a pod of the same name, retires with what it served, as a
 * deleted simulated pod does.
 */
final class PodTraffic {

    private final SimCluster cluster;

    PodTraffic(SimCluster cluster) {
        this.cluster = cluster;
    }

    /** Brings the registry of running pods in line with the pods the API server lists now. */
    void reconcile(List<Pod> listed) {
        Set<String> present = new HashSet<>();
        for (Pod pod : listed) {
            if (pod.getMetadata().getDeletionTimestamp() != null || pod.getSpec().getNodeName() == null
                    || pod.getSpec().getContainers().isEmpty()) {
                continue;
            }
            String key = SimCluster.key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
            present.add(key);
            SimPod before = cluster.pods.get(key);
            if (before != null && before.written != null
                    && !before.written.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
                // Another pod of the same name (a StatefulSet's, recreated between two looks): a new process, which
                // may run another image.
                cluster.retire(before);
            }
            SimPod running = cluster.pods.computeIfAbsent(key, k -> new SimPod(pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), pod.getSpec().getNodeName(),
                    pod.getSpec().getContainers().get(0).getImage(), pod.getMetadata().getLabels(), null,
                    System.currentTimeMillis()));
            running.written = pod;
            running.ready = ready(pod);
        }
        for (SimPod pod : List.copyOf(cluster.pods.values())) {
            if (!present.contains(SimCluster.key(pod.namespace, pod.name))) {
                cluster.retire(pod);
            }
        }
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
