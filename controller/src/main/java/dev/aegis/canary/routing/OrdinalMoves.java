package dev.aegis.canary.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The next move of an in-place StatefulSet rollout, decided from what one reconcile saw; no I/O.
 *
 * <p>
 * The canary is the highest ordinals: the StatefulSet controller gives pods at or above the partition the update
 * revision, one at a time and each available before the next. What it never does is take a pod back: a pod below
 * the partition that runs another revision than the current one (a rollback, a lowered share, replicas added
 * mid-run) stays until deleted, and is then recreated at the current revision. Those deletions are this class's, one
 * pod at a time within maxUnavailable; volumes are never touched.
 */
public final class OrdinalMoves {

    /** One pod as the cache shows it. */
    public record PodState(int ordinal, String revision, boolean ready, Instant readySince, boolean terminating) {

        /** Ready for minReadySeconds, as the StatefulSet controller counts availability. */
        boolean available(Duration minReady, Instant now) {
            return ready && !terminating
                    && (minReady.isZero() || readySince == null || !readySince.plus(minReady).isAfter(now));
        }
    }

    /**
     * The StatefulSet and its pods.
     *
     * @param partition spec.updateStrategy.rollingUpdate.partition as it is now (0 when unset)
     * @param observed the StatefulSet controller has seen the latest spec
     * @param maxUnavailable pods that may be unavailable at once (at least 1)
     */
    public record World(int replicas, int partition, String currentRevision, String updateRevision, boolean observed,
            List<PodState> pods, int maxUnavailable, Duration minReady, Instant now) {

        boolean onUpdate(PodState p) {
            return updateRevision != null && updateRevision.equals(p.revision());
        }

        boolean onCurrent(PodState p) {
            return currentRevision != null && currentRevision.equals(p.revision());
        }
    }

    /** What to do: write the partition, delete a pod, wait for the StatefulSet controller, or nothing. */
    public sealed interface Move {
    }

    public record SetPartition(int partition) implements Move {
    }

    public record DeletePod(int ordinal, String why) implements Move {
    }

    public record Wait(String forWhat) implements Move {
    }

    public record Done() implements Move {
    }

    private OrdinalMoves() {
    }

    /** Canary pods for a share: the weight's part of the replicas rounded up, at least one for any share. */
    public static int canaryPods(int weight, int replicas) {
        if (weight <= 0 || replicas <= 0) {
            return 0;
        }
        return Math.min(replicas, Math.max(1, (int) Math.ceil(weight * replicas / 100.0)));
    }

    /** The move that brings the highest {@code canaryPods} ordinals to the update revision and the others back. */
    public static Move next(World w, int canaryPods) {
        int partition = w.replicas() - canaryPods;
        if (w.partition() != partition) {
            // First: the StatefulSet controller must stop updating pods that are to stay, before any is replaced.
            return new SetPartition(partition);
        }
        if (!w.observed()) {
            return new Wait("the StatefulSet controller to see partition " + partition);
        }
        int unavailable = 0;
        for (int ordinal = 0; ordinal < w.replicas(); ordinal++) {
            int o = ordinal;
            Optional<PodState> pod = w.pods().stream().filter(p -> p.ordinal() == o).findFirst();
            if (pod.isEmpty() || !pod.get().available(w.minReady(), w.now())) {
                unavailable++;
            }
        }
        // Pods below the partition on any revision but the current one: the StatefulSet controller leaves them.
        Optional<PodState> stray = w.pods().stream()
                .filter(p -> p.ordinal() < partition && !w.onCurrent(p) && !p.terminating())
                .max(Comparator.comparingInt(PodState::ordinal));
        if (stray.isPresent()) {
            if (unavailable >= w.maxUnavailable()) {
                return new Wait(unavailable + " pod(s) to be available before pod " + stray.get().ordinal()
                        + " is replaced");
            }
            return new DeletePod(stray.get().ordinal(), "it runs revision " + stray.get().revision()
                    + " below partition " + partition + "; recreated at " + w.currentRevision());
        }
        List<Integer> behind = w.pods().stream()
                .filter(p -> p.ordinal() >= partition && p.ordinal() < w.replicas() && !w.onUpdate(p))
                .map(PodState::ordinal).sorted().toList();
        if (!behind.isEmpty()) {
            return new Wait("the StatefulSet controller to update pod(s) " + behind);
        }
        if (w.pods().stream().anyMatch(p -> p.ordinal() >= w.replicas())) {
            return new Wait("the StatefulSet controller to remove pods beyond " + w.replicas() + " replicas");
        }
        if (unavailable > 0) {
            return new Wait(unavailable + " pod(s) to be available");
        }
        return new Done();
    }

    /**
     * Available pods of the update revision: what serves of the canary. With nothing pending (the update revision is
     * the current one) only the pods at or above the partition count.
     */
    public static int servingCanary(World w) {
        return (int) w.pods().stream()
                .filter(p -> p.ordinal() < w.replicas() && w.onUpdate(p)
                        && (!w.onCurrent(p) || p.ordinal() >= w.partition())
                        && p.available(w.minReady(), w.now()))
                .count();
    }
}
