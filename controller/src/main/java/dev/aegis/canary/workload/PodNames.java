package dev.aegis.canary.workload;

import java.util.Collection;
import java.util.TreeSet;

/**
 * Anchored regexes of the names of a ReplicaSet's pods. The API server names them {@code <replicaset>-<5 chars>},
 * cutting the prefix to 58 characters when it is longer.
 */
public final class PodNames {

    /** Kubernetes' maxGeneratedNameLength: 63 minus the 5 random characters. */
    private static final int MAX_PREFIX = 58;

    private PodNames() {
    }

    /** The pods of the ReplicaSets named. */
    public static String regexFor(Collection<String> replicaSets) {
        if (replicaSets.isEmpty()) {
            return Regexes.NOTHING;
        }
        TreeSet<String> prefixes = new TreeSet<>();
        for (String rs : replicaSets) {
            prefixes.add(Regexes.quote(prefix(rs)));
        }
        return "^(" + String.join("|", prefixes) + ")[a-z0-9]{5}$";
    }

    /** The pods of a DaemonSet: {@code <daemonset>-<5 chars>}. */
    public static String daemonSetRegex(String daemonSet) {
        return "^" + Regexes.quote(prefix(daemonSet)) + "[a-z0-9]{5}$";
    }

    static String prefix(String replicaSetName) {
        String prefix = replicaSetName + "-";
        return prefix.length() > MAX_PREFIX ? prefix.substring(0, MAX_PREFIX) : prefix;
    }
}
