package dev.aegis.canary.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;

/**
 * When a new status is written. A status that differs from the stored one only in how far the world has got towards
 * the intent ({@link #PROGRESS}: the message's counts, which the conditions repeat, the nodes and pods on the canary,
 * the weight achieved, progressedAt; fields the controller reports and never decides by) waits until {@link #PROGRESS_GAP} after the last
 * write: on a thousand nodes every pod that turns ready is a reconcile with new counts, and writing each one was 6-7
 * status writes a second for one Canary on a real API server. Anything else (phase, step, weight, checks,
 * conditions, replicas) is written at once. Pure.
 */
final class StatusWrites {

    static final Duration PROGRESS_GAP = Duration.ofSeconds(1);
    /**
     * progressedAt moves the progress deadline, so a new one is held back only while it is this close to the stored
     * one, and never more than a tenth of the deadline: the deadline is then at most that early, and a stream of
     * progress is still written once a second.
     */
    static final Duration PROGRESS_DRIFT = Duration.ofSeconds(5);
    static final List<String> PROGRESS = List.of("message", "progressedAt", "canaryNodes", "totalNodes",
            "canaryReplicas", "effectiveWeight");

    /** The annotations the controller reads: manual requests and who made them. */
    static final String OURS = "canary.aegis.dev/";

    private StatusWrites() {
    }

    /**
     * Zero to write now; else how long to wait before this status (or a newer one) is due. Null when nothing changed.
     *
     * @param lastWrite when this controller last wrote the Canary's status; null when it has not (since it started)
     * @param progressDeadline the Canary's, which counts from progressedAt
     */
    static Duration due(CanaryStatus stored, CanaryStatus next, Instant lastWrite, Instant now,
            Duration progressDeadline) {
        ObjectNode a = tree(stored);
        ObjectNode b = tree(next);
        if (Objects.equals(a, b)) {
            return null;
        }
        if (a == null || lastWrite == null || !withoutProgress(a).equals(withoutProgress(b))
                || drift(stored.getProgressedAt(), next.getProgressedAt())
                        .compareTo(allowedDrift(progressDeadline)) > 0) {
            return Duration.ZERO;
        }
        Duration since = Duration.between(lastWrite, now);
        return since.compareTo(PROGRESS_GAP) >= 0 ? Duration.ZERO : PROGRESS_GAP.minus(since);
    }

    /**
     * Whether a status write the API server refused as a conflict (409) is written again on the Canary as it is now.
     * Yes when nothing it was decided from changed since it was read, only other writers' metadata (a team's label or
     * annotation, Flux's): the status would be the same, and with another writer labelling often enough a controller
     * that re-decided from its cache would keep missing the latest version. No when the spec (its generation), the
     * status, a manual request ({@value #OURS} annotations) or deletion changed, or the Canary is gone: the next
     * reconcile decides again from what is there. Optimistic locking still guards the status against another writer
     * of it (a leader that has not yet noticed it lost the Lease).
     */
    static boolean writesThrough(Canary read, Canary now) {
        if (now == null) {
            return false;
        }
        ObjectMeta a = read.getMetadata();
        ObjectMeta b = now.getMetadata();
        return Objects.equals(a.getGeneration(), b.getGeneration())
                && Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
                && ours(a.getAnnotations()).equals(ours(b.getAnnotations()))
                && Objects.equals(tree(read.getStatus()), tree(now.getStatus()));
    }

    private static Map<String, String> ours(Map<String, String> annotations) {
        Map<String, String> mine = new TreeMap<>();
        if (annotations != null) {
            annotations.forEach((k, v) -> {
                if (k.startsWith(OURS)) {
                    mine.put(k, v);
                }
            });
        }
        return mine;
    }

    private static ObjectNode tree(CanaryStatus status) {
        return status == null ? null : Serialization.jsonMapper().valueToTree(status);
    }

    /**
     * As {@link #due(CanaryStatus, CanaryStatus, Instant, Instant, Duration)}, for a step that also tells something
     * (an Event): an Event is told only once the status that caused it is stored, so that status is written at once.
     */
    static Duration due(CanaryStatus stored, CanaryStatus next, Instant lastWrite, Instant now,
            Duration progressDeadline, boolean tells) {
        Duration due = due(stored, next, lastWrite, now, progressDeadline);
        return due != null && tells ? Duration.ZERO : due;
    }

    private static Duration allowedDrift(Duration progressDeadline) {
        Duration tenth = progressDeadline.dividedBy(10);
        return tenth.compareTo(PROGRESS_DRIFT) < 0 ? tenth : PROGRESS_DRIFT;
    }

    private static Duration drift(String stored, String next) {
        if (Objects.equals(stored, next)) {
            return Duration.ZERO;
        }
        if (stored == null || next == null) {
            return ChronoUnit.FOREVER.getDuration();
        }
        return Duration.between(Instant.parse(stored), Instant.parse(next)).abs();
    }

    private static ObjectNode withoutProgress(ObjectNode status) {
        ObjectNode copy = status.deepCopy();
        copy.remove(PROGRESS);
        // each condition repeats the status message
        copy.path("conditions").forEach(c -> {
            if (c instanceof ObjectNode condition) {
                condition.remove("message");
            }
        });
        return copy;
    }
}
