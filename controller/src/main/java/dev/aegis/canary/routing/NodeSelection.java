package dev.aegis.canary.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.aegis.canary.routing.NodePlacement.Node;

/**
 * Which nodes run the canary: pure code. The nodes are put in an order that depends only on their names and the
 * revision (so every reconcile, and a restarted controller, picks the same ones), spread evenly over the values of a
 * label when asked. A step keeps the nodes that run the canary and tops up from that order, so a node chosen at 10%
 * stays chosen at 50%, even when nodes joined, left or went down in between.
 */
public final class NodeSelection {

    private NodeSelection() {
    }

    /** ceil(weight% × eligible) nodes, at least one, at most the nodes that can take a canary now. */
    public static int count(int weight, int eligible, int candidates) {
        if (weight <= 0 || candidates == 0) {
            return 0;
        }
        long wanted = Math.max(1, ((long) weight * eligible + 99) / 100);
        return (int) Math.min(wanted, candidates);
    }

    /**
     * The canary nodes of a step: the ones running it now that may stay (in selection order, trimmed to the count
     * when it went down), topped up from the selection order. With spreadBy, the top-up fills each group up to its
     * share of the count first, so a group that lost nodes gets them back rather than the others growing.
     *
     * @param candidates nodes that can take a canary now
     * @param current nodes that run the canary now
     * @param newcomers candidates that joined during the step: kept off the canary until the next one
     * @param count nodes the step wants ({@link #count})
     */
    public static List<String> select(List<Node> candidates, Set<String> current, Set<String> newcomers, int count,
            String revision, String spreadBy) {
        List<String> order = order(candidates, revision, spreadBy);
        List<String> kept = order.stream().filter(current::contains).toList();
        if (kept.size() >= count) {
            return kept.subList(0, count);
        }
        Map<String, String> groupOf = new HashMap<>();
        candidates.forEach(n -> groupOf.put(n.name(), spreadBy == null
                ? ""
                : n.labels().getOrDefault(spreadBy,
                        "")));
        Map<String, Integer> share = new HashMap<>();
        order.subList(0, count).forEach(n -> share.merge(groupOf.get(n), 1, Integer::sum));
        kept.forEach(n -> share.merge(groupOf.get(n), -1, Integer::sum));
        List<String> out = new ArrayList<>(kept);
        Set<String> taken = new HashSet<>(kept);
        for (boolean byShare : new boolean[]{true, false}) {
            for (String n : order) {
                if (out.size() == count) {
                    return out;
                }
                if (taken.contains(n) || newcomers.contains(n) || (byShare && share.get(groupOf.get(n)) <= 0)) {
                    continue;
                }
                out.add(n);
                taken.add(n);
                share.merge(groupOf.get(n), -1, Integer::sum);
            }
        }
        return out;
    }

    /**
     * The order canary nodes are taken in.
     *
     * @param candidates nodes that can take a canary (eligible, Ready, not cordoned)
     * @param revision the revision under test: a new revision draws a new order
     * @param spreadBy a node label to spread over, or null; nodes without it form their own group
     */
    public static List<String> order(List<Node> candidates, String revision, String spreadBy) {
        Map<String, List<String>> groups = new TreeMap<>();
        for (Node n : candidates) {
            String group = spreadBy == null ? "" : n.labels().getOrDefault(spreadBy, "");
            groups.computeIfAbsent(group, g -> new ArrayList<>()).add(n.name());
        }
        List<List<String>> ordered = new ArrayList<>();
        for (List<String> names : groups.values()) {
            names.sort(Comparator.comparing((String name) -> rank(name, revision)).thenComparing(name -> name));
            ordered.add(names);
        }
        // Take the next node from the group that has given the smallest share of its nodes so far, so every
        // prefix is spread in proportion to the groups' sizes (round-robin when they are equal).
        int[] taken = new int[ordered.size()];
        List<String> out = new ArrayList<>(candidates.size());
        while (out.size() < candidates.size()) {
            int best = -1;
            for (int g = 0; g < ordered.size(); g++) {
                if (taken[g] == ordered.get(g).size()) {
                    continue;
                }
                if (best < 0 || (long) (taken[g] + 1) * ordered.get(best).size() < (long) (taken[best] + 1)
                        * ordered.get(g).size()) {
                    best = g;
                }
            }
            out.add(ordered.get(best).get(taken[best]++));
        }
        return out;
    }

    /** A node's place in the order for a revision: the first 8 bytes of SHA-256(name / revision). */
    static long rank(String node, String revision) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((node + "/" + revision).getBytes(StandardCharsets.UTF_8));
            long rank = 0;
            for (int i = 0; i < 8; i++) {
                rank = (rank << 8) | (digest[i] & 0xff);
            }
            return rank;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
