package dev.aegis.canary.routing;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a DaemonSet's pods may run, and what a node offers, reduced to what the DaemonSet controller decides on: the
 * pod template's nodeName, nodeSelector, required node affinity and tolerations (with the ones the DaemonSet
 * controller adds to every pod) against the node's name, labels and taints. Pure.
 *
 * @param nodeName a fixed node, or null
 * @param nodeSelector labels a node must carry
 * @param requiredTerms node affinity terms (requiredDuringSchedulingIgnoredDuringExecution); any one must match,
 *        and within a term every requirement; empty means no affinity
 * @param tolerations the pod's own tolerations
 * @param hostNetwork the pods use the node's network (they then tolerate network-unavailable)
 */
public record NodePlacement(String nodeName, Map<String, String> nodeSelector, List<List<Requirement>> requiredTerms,
        List<Toleration> tolerations, boolean hostNetwork) {

    public NodePlacement {
        nodeSelector = Map.copyOf(nodeSelector);
        requiredTerms = requiredTerms.stream().map(List::copyOf).toList();
        tolerations = List.copyOf(tolerations);
    }

    public NodePlacement(Map<String, String> nodeSelector, List<List<Requirement>> requiredTerms,
            List<Toleration> tolerations) {
        this(null, nodeSelector, requiredTerms, tolerations, false);
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

    /**
     * One node selector requirement: In, NotIn, Exists, DoesNotExist, Gt, Lt; on a label, or (field) on the node's
     * name.
     */
    public record Requirement(String key, String operator, List<String> values, boolean field) {

        public Requirement {
            values = values == null ? List.of() : List.copyOf(values);
        }

        public Requirement(String key, String operator, List<String> values) {
            this(key, operator, values, false);
        }

        boolean matches(Node node) {
            String value = field ? ("metadata.name".equals(key) ? node.name() : null) : node.labels().get(key);
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

    public static final String NOT_READY = "node.kubernetes.io/not-ready";
    public static final String UNREACHABLE = "node.kubernetes.io/unreachable";

    /** The tolerations the DaemonSet controller adds to every DaemonSet pod (AddOrUpdateDaemonPodTolerations). */
    static final List<Toleration> DAEMONSET_TOLERATIONS = List.of(
            new Toleration(NOT_READY, "Exists", null, "NoExecute"),
            new Toleration(UNREACHABLE, "Exists", null, "NoExecute"),
            new Toleration("node.kubernetes.io/disk-pressure", "Exists", null, "NoSchedule"),
            new Toleration("node.kubernetes.io/memory-pressure", "Exists", null, "NoSchedule"),
            new Toleration("node.kubernetes.io/pid-pressure", "Exists", null, "NoSchedule"),
            new Toleration("node.kubernetes.io/unschedulable", "Exists", null, "NoSchedule"));
    static final Toleration NETWORK_UNAVAILABLE = new Toleration("node.kubernetes.io/network-unavailable", "Exists",
            null, "NoSchedule");

    /**
     * True when the DaemonSet controller would run a pod on the node now: name, labels and affinity match, and every
     * NoSchedule or NoExecute taint is tolerated (PreferNoSchedule does not keep a DaemonSet away).
     */
    public boolean admits(Node node) {
        return matchesNode(node) && node.taints().stream().allMatch(this::tolerated);
    }

    /**
     * True when the DaemonSet controller lets a pod already on the node keep running: as {@link #admits}, except
     * that NoSchedule taints do not count. A NotReady node (whose not-ready taint has both effects; DaemonSet pods
     * tolerate the NoExecute one) or one drained for removal keeps its pod, and stays in the fleet.
     */
    public boolean keepsPod(Node node) {
        return matchesNode(node) && node.taints().stream()
                .allMatch(t -> !"NoExecute".equals(t.effect()) || tolerated(t));
    }

    private boolean matchesNode(Node node) {
        if (nodeName != null && !nodeName.isEmpty() && !nodeName.equals(node.name())) {
            return false;
        }
        for (Map.Entry<String, String> e : nodeSelector.entrySet()) {
            if (!e.getValue().equals(node.labels().get(e.getKey()))) {
                return false;
            }
        }
        return requiredTerms.isEmpty() || requiredTerms.stream()
                .anyMatch(term -> !term.isEmpty() && term.stream().allMatch(r -> r.matches(node)));
    }

    private boolean tolerated(Taint taint) {
        if (!"NoSchedule".equals(taint.effect()) && !"NoExecute".equals(taint.effect())) {
            return true;
        }
        if (DAEMONSET_TOLERATIONS.stream().anyMatch(t -> t.tolerates(taint))
                || (hostNetwork && NETWORK_UNAVAILABLE.tolerates(taint))) {
            return true;
        }
        return tolerations.stream().anyMatch(t -> t.tolerates(taint));
    }
}
