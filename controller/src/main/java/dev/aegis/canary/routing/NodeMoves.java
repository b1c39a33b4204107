package dev.aegis.canary.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The nodes to move between the primary and the canary in one reconcile: pure code. Moving a node that serves
 * restarts its pod (one version stops, the other starts), so such moves are limited to the DaemonSet's
 * maxUnavailable minus the nodes unavailable now, whatever made them so (earlier moves, the DaemonSet controller's
 * own rolling update, a crashing pod). Moving a node that does not serve anyway (NotReady, no ready pod) costs
 * nothing and is never held back, so a down node cannot block a rollback. Nodes go back to the primary first;
 * among them, those whose canary pod the DaemonSet controller is about to replace with a newer template.
 *
 * @param toCanary nodes to label for the canary now
 * @param toPrimary nodes to give back to the primary now
 * @param remaining moves still to make after these
 * @param unavailable nodes unavailable before these moves
 */
public record NodeMoves(List<String> toCanary, List<String> toPrimary, int remaining, int unavailable) {

    /**
     * @param nodes the fleet, and any other node that carries the label
     * @param desired nodes that should run the canary, in the order to move them
     * @param maxUnavailable the DaemonSet's maxUnavailable, as a node count
     * @param settledOnly no serving node moves (the DaemonSets have not caught up with their specs yet)
     */
    public static NodeMoves next(List<NodeView> nodes, List<String> desired, int maxUnavailable,
            boolean settledOnly) {
        Set<String> wanted = Set.copyOf(desired);
        Map<String, NodeView> byName = nodes.stream().collect(Collectors.toMap(NodeView::name, Function
                .identity()));
        int unavailable = (int) nodes.stream().filter(n -> n.belongs() && n.unavailable()).count();
        int budget = settledOnly ? 0 : Math.max(0, maxUnavailable - unavailable);
        List<NodeView> leaving = nodes.stream().filter(n -> n.onCanary() && !wanted.contains(n.name()))
                .sorted(Comparator.comparing((NodeView n) -> n.canaryPod() != NodeView.Pod.STALE)
                        .thenComparing(NodeView::name))
                .toList();
        List<NodeView> joining = desired.stream().map(byName::get).filter(n -> !n.onCanary()).toList();
        List<String> toPrimary = new ArrayList<>();
        List<String> toCanary = new ArrayList<>();
        int remaining = 0;
        for (NodeView n : leaving) {
            if (costsNothing(n)) {
                toPrimary.add(n.name());
            } else if (budget > 0) {
                toPrimary.add(n.name());
                budget--;
            } else {
                remaining++;
            }
        }
        for (NodeView n : joining) {
            if (costsNothing(n)) {
                toCanary.add(n.name());
            } else if (budget > 0) {
                toCanary.add(n.name());
                budget--;
            } else {
                remaining++;
            }
        }
        return new NodeMoves(toCanary, toPrimary, remaining, unavailable);
    }

    /** A node that is not in the fleet, not up, or not serving loses nothing by moving. */
    private static boolean costsNothing(NodeView n) {
        return !n.belongs() || !n.up() || !n.serving();
    }

    public boolean isDone() {
        return toCanary.isEmpty() && toPrimary.isEmpty() && remaining == 0;
    }

    public boolean moved() {
        return !toCanary.isEmpty() || !toPrimary.isEmpty();
    }

    /**
     * maxUnavailable of a DaemonSet: a count, or a percentage of the nodes it runs on rounded up, as the DaemonSet
     * controller does; at least one, since a node-by-node move takes a node down (0 is only allowed with maxSurge,
     * which a node that runs one version at a time cannot use).
     */
    public static int maxUnavailable(String value, int nodes) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        int n;
        if (value.endsWith("%")) {
            long percent = Integer.parseInt(value.substring(0, value.length() - 1).trim());
            n = (int) ((percent * nodes + 99) / 100);
        } else {
            n = Integer.parseInt(value.trim());
        }
        return Math.max(1, n);
    }
}
