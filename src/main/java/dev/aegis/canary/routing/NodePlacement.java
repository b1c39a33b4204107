package dev.aegis.canary.routing;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a DaemonSet's pods may run, and what a node offers, reduced to what scheduling decides on: the pod
 * template's nodeSelector, required node affinity and tolerations against the node's labels and taints. Pure.
 *
 * @param nodeSelector labels a node must carry
 * @param requiredTerms node affinity terms (requiredDuringSchedulingIgnoredDuringExecution); any one must match,
 *        and within a term every requirement; empty means no affinity
 * @param tolerations the pod's tolerations
 */
public record NodePlacement(Map<String, String> nodeSelector, List<List<Requirement>> requiredTerms,
        List<Toleration> tolerations) {

    public NodePlacement {
        nodeSelector = Map.copyOf(nodeSelector);
        requiredTerms = requiredTerms.stream().map(List::copyOf).toList();
        tolerations = List.copyOf(tolerations);
    }

    /** A node as scheduling sees it. */
    public record Node(String name, Map<String, String> labels, List<Taint> taints, boolean unschedulable,
            boolean ready) {

        public Node {
            labels = Map.copyOf(labels);
            taints = List.copyOf(taints);
        }

        /** Ready and not cordoned: a node that can take a canary pod now. */
        public boolean canTakeCanary() {
            return ready && !unschedulable;
        }
    }

    /** One node selector requirement: In, NotIn, Exists, DoesNotExist, Gt, Lt. */
    public record Requirement(String key, String operator, List<String> values) {

        public Requirement {
            values = values == null ? List.of() : List.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                case "Gt", "Lt" -> value != null && values.size() == 1 && compare(value, values.get(0), operator);
                default -> false;
            };
        }

        private static boolean compare(String value, String bound, String operator) {
            try {
                long v = Long.parseLong(value);
                long b = Long.parseLong(bound);
                return operator.equals("Gt") ? v > b : v < b;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    public record Taint(String key, String value, String effect) {
    }

    /** operator Exists or Equal (the default); an empty key with Exists tolerates everything. */
    public record Toleration(String key, String operator, String value, String effect) {

        boolean tolerates(Taint taint) {
            if (effect != null && !effect.isEmpty() && !effect.equals(taint.effect())) {
                return false;
            }
            if (key == null || key.isEmpty()) {
                return "Exists".equals(operator);
            }
            if (!key.equals(taint.key())) {
                return false;
            }
            return "Exists".equals(operator) || Objects.equals(nullToEmpty(value), nullToEmpty(taint.value()));
        }

        private static String nullToEmpty(String s) {
            return s == null ? "" : s;
        }
    }

    /**
     * Taints the DaemonSet controller tolerates on every DaemonSet pod: a cordoned, NotReady or pressured node keeps
     * its DaemonSet pods.
     */
    static final java.util.Set<String> DAEMONSET_TOLERATED = java.util.Set.of("node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure",
            "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable",
            "node.kubernetes.io/network-unavailable");

    /**
     * True when the DaemonSet would run a pod on the node: its labels satisfy the selector and affinity, and every
     * NoSchedule or NoExecute taint is tolerated (PreferNoSchedule does not keep a DaemonSet away; neither does a
     * cordon or NotReady, which DaemonSet pods tolerate).
     */
    public boolean admits(Node node) {
        for (Map.Entry<String, String> e : nodeSelector.entrySet()) {
            if (!e.getValue().equals(node.labels().get(e.getKey()))) {
                return false;
            }
        }
        if (!requiredTerms.isEmpty()
                && requiredTerms.stream().noneMatch(term -> term.stream().allMatch(r -> r.matches(node.labels())))) {
            return false;
        }
        for (Taint taint : node.taints()) {
            boolean repels = ("NoSchedule".equals(taint.effect()) || "NoExecute".equals(taint.effect()))
                    && !DAEMONSET_TOLERATED.contains(taint.key());
            if (repels && tolerations.stream().noneMatch(t -> t.tolerates(taint))) {
                return false;
            }
        }
        return true;
    }
}
