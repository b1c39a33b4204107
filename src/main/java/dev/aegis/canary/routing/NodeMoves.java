package dev.aegis.canary.routing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The nodes to move between the primary and the canary in one reconcile: pure code. Moving a node restarts its pod
 * (one version stops, the other starts), so no more nodes move at once than the DaemonSet's maxUnavailable allows,
 * counting the nodes still unavailable from earlier moves. Nodes go back to the primary before new ones go to the
 * canary.
 *
 * @param toCanary nodes to label for the canary now
 * @param toPrimary nodes to give back to the primary now
 * @param remaining moves still to make after these
 */
public record NodeMoves(List<String> toCanary, List<String> toPrimary, int remaining) {

    /**
     * @param current nodes that run the canary now
     * @param desired nodes that should run it, in selection order
     * @param budget nodes that may be made unavailable now (maxUnavailable minus those still unavailable)
     */
    public static NodeMoves next(Set<String> current, List<String> desired, int budget) {
        Set<String> wanted = new HashSet<>(desired);
        List<String> leaving = current.stream().filter(n -> !wanted.contains(n)).sorted().toList();
        List<String> joining = desired.stream().filter(n -> !current.contains(n)).toList();
        int room = Math.max(0, budget);
        List<String> toPrimary = new ArrayList<>(leaving.subList(0, Math.min(room, leaving.size())));
        room -= toPrimary.size();
        List<String> toCanary = new ArrayList<>(joining.subList(0, Math.min(room, joining.size())));
        int remaining = leaving.size() + joining.size() - toPrimary.size() - toCanary.size();
        return new NodeMoves(toCanary, toPrimary, remaining);
    }

    public boolean isDone() {
        return toCanary.isEmpty() && toPrimary.isEmpty() && remaining == 0;
    }

    /**
     * maxUnavailable of a DaemonSet: a count, or a percentage of the nodes it runs on rounded down; at least one, as
     * the DaemonSet controller does.
     */
    public static int maxUnavailable(String value, int nodes) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        int n;
        if (value.endsWith("%")) {
            n = (int) ((long) Integer.parseInt(value.substring(0, value.length() - 1).trim()) * nodes / 100);
        } else {
            n = Integer.parseInt(value.trim());
        }
        return Math.max(1, n);
    }
}
