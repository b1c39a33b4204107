package dev.aegis.canary.notify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.Severity;

/**
 * What people are told about one phase change of a Canary, independent of where it goes. Built from the status before
 * and after a reconcile, so the same change is never told twice: a retried reconcile reads the stored phase.
 *
 * @param id the same for the same change (Canary uid, phase, run), so a receiver can drop a repeat
 * @param step 1-based step where the change happened, null outside a run
 * @param weight the step's weight where the change happened (a rollback reports the weight it rolled back from)
 * @param stableRevision the revision that served before this change (a promotion reports the one it replaced)
 * @param failedMetrics the failing checks behind a rollback or failure, as "success-rate 91.8 (want >= 99)"
 */
public record Notification(String id, String namespace, String name, String targetKind, String target, Phase phase,
        Phase previousPhase, Severity severity, String message, Integer step, Integer steps, Integer weight,
        Integer effectiveWeight, Integer canaryNodes, Integer totalNodes, String stableRevision, String canaryRevision,
        String stableImage, String canaryImage, List<FailedMetric> failedMetrics, Instant time) {

    /** One failing check: its value and the range it had to be in. */
    public record FailedMetric(String metric, Double value, String range, String text) {
    }

    /** The Canary a change belongs to, as the notification names it. */
    public record Subject(String uid, String namespace, String name, String targetKind, String target, int steps) {
    }

    /** The images the primary and the target run, as "app=registry/podinfo:1.0.0". */
    public record Images(String stable, String canary) {
    }

    /**
     * The notification for a reconcile that went from {@code before} to {@code after}, or empty when nothing worth
     * telling changed: the phase is the same and no new run started.
     */
    public static Optional<Notification> between(Subject subject, CanaryStatus before, CanaryStatus after,
            Images images, Instant now) {
        Phase was = before == null ? null : before.getPhase();
        String runWas = before == null ? null : before.getRunStartedAt();
        if (after == null || after.getPhase() == null
                || (after.getPhase() == was && Objects.equals(after.getRunStartedAt(), runWas))
                || isResume(before, after)) {
            return Optional.empty();
        }
        // A rollback, promotion or failure is reported where it happened, not at the weight it left behind.
        CanaryStatus stood = after.getWeight() != null && after.getWeight() == 0 && before != null
                && before.getWeight() != null && before.getWeight() > 0 ? before : after;
        // A run that starts has not moved anything yet: what the router reports is the previous state's.
        boolean starts = after.getPhase() == Phase.Progressing && !Objects.equals(after.getRunStartedAt(), runWas);
        boolean inRun = stood.getStepIndex() != null && stood.getWeight() != null && stood.getWeight() > 0;
        List<FailedMetric> failed = after.getPhase() == Phase.RolledBack || after.getPhase() == Phase.Failed
                ? failedMetrics(after.getLastAnalysis())
                : List.of();
        return Optional.of(new Notification(id(subject.uid(), after), subject.namespace(), subject.name(),
                subject.targetKind(), subject.target(), after.getPhase(), was, Severity.of(after.getPhase()),
                after.getMessage(), inRun ? stood.getStepIndex() + 1 : null, subject.steps() > 0
                        ? subject.steps()
                        : null,
                inRun ? stood.getWeight() : null, inRun && !starts ? stood.getEffectiveWeight() : null,
                starts ? Integer.valueOf(0) : stood.getCanaryNodes(),
                stood.getTotalNodes(), before != null && before.getStableRevision() != null
                        ? before.getStableRevision()
                        : after.getStableRevision(),
                after.getCanaryRevision(),
                images == null ? null : images.stable(), images == null ? null : images.canary(), failed, now));
    }

    /**
     * Back from Invalid or Suspended to where the run stood, e.g. still RolledBack: the outcome was told (and counted)
     * when it happened.
     */
    public static boolean isResume(CanaryStatus before, CanaryStatus after) {
        return before != null && (before.getPhase() == Phase.Invalid || before.getPhase() == Phase.Suspended)
                && (after.getPhase() == Phase.RolledBack || after.getPhase() == Phase.Succeeded)
                && Objects.equals(before.getRunStartedAt(), after.getRunStartedAt());
    }

    private static List<FailedMetric> failedMetrics(List<MetricResult> results) {
        if (results == null) {
            return List.of();
        }
        return results.stream()
                .filter(r -> r.getResult() != CheckResult.Pass && !r.dryRun())
                .map(r -> new FailedMetric(r.getMetric(), r.getValue(), r.getRange(),
                        dev.aegis.canary.rollout.MetricText.describe(r)))
                .toList();
    }

    private static String id(String uid, CanaryStatus s) {
        String key = uid + "/" + s.getPhase() + "/" + s.getRunStartedAt() + "/" + s.getCanaryRevision();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "podinfo-7 promoted", "podinfo-7 rolled back": the first line of every message. */
    public String headline() {
        String what = switch (phase) {
            case Initializing -> "is initializing";
            case Ready -> "is ready";
            case Progressing -> previousPhase == Phase.Progressing
                    ? "restarted its run with a newer revision"
                    : "started a canary run";
            case Waiting -> "waits for confirm-rollout";
            case WaitingPromotion -> "passed every step, waits for confirm-promotion";
            case Promoting -> "passed every step, promoting";
            case Succeeded -> "promoted";
            case RolledBack -> "rolled back";
            case Failed -> "failed";
            case Invalid -> "is invalid";
            case Suspended -> "is suspended";
        };
        return namespace + "/" + name + " " + what;
    }

    /** "2/4 (10%, effective 8%)", or null outside a run. */
    public String stepText() {
        if (step == null) {
            return null;
        }
        String w = weight + "%";
        if (effectiveWeight != null && !effectiveWeight.equals(weight)) {
            w += ", effective " + effectiveWeight + "%";
        }
        return (steps == null ? step : step + "/" + steps) + " (" + w + ")";
    }

    /** "12/118", or null when the Canary does not route by node. */
    public String nodesText() {
        return totalNodes == null ? null : (canaryNodes == null ? 0 : canaryNodes) + "/" + totalNodes;
    }
}
