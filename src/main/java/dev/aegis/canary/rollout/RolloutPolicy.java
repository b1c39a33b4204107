package dev.aegis.canary.rollout;

import java.time.Duration;
import java.util.List;

/**
 * A Canary's rollout settings with every default filled in and every value checked.
 *
 * @param steps canary weights in percent, strictly increasing, ending at 100
 * @param interval time between checks, and the least time spent on a step
 * @param progressDeadline how long a step (or the promotion) may wait for readiness
 * @param failureLimit failed checks tolerated in one run
 * @param noDataLimit checks in a row without data that roll back
 * @param errorLimit checks in a row with a query error that roll back
 * @param sequential the sequential judge's settings; null with the threshold judge
 */
public record RolloutPolicy(List<Integer> steps, Duration interval, Duration progressDeadline, int failureLimit,
        int noDataLimit, int errorLimit, SequentialPolicy sequential) {

    public RolloutPolicy {
        steps = List.copyOf(steps);
    }

    /** A policy with the threshold judge. */
    public RolloutPolicy(List<Integer> steps, Duration interval, Duration progressDeadline, int failureLimit,
            int noDataLimit, int errorLimit) {
        this(steps, interval, progressDeadline, failureLimit, noDataLimit, errorLimit, null);
    }

    /** The least time on a step: the interval, or the sequential judge's minDwell. */
    public Duration minDwell() {
        return sequential == null ? interval : sequential.minDwell();
    }

    public int stepCount() {
        return steps.size();
    }

    public int weightAt(int stepIndex) {
        return steps.get(stepIndex);
    }

    public boolean isLastStep(int stepIndex) {
        return stepIndex >= steps.size() - 1;
    }

    /** True when the status's step is this policy's: spec.steps did not change under a run. */
    public boolean matches(dev.aegis.canary.api.CanaryStatus status) {
        Integer index = status.getStepIndex();
        return index != null && index >= 0 && index < steps.size() && steps.get(index).equals(status.getWeight());
    }

    /** The first step whose weight is at least {@code weight}; the last step when none is. */
    public int indexAtOrAbove(Integer weight) {
        for (int i = 0; i < steps.size(); i++) {
            if (weight == null || steps.get(i) >= weight) {
                return i;
            }
        }
        return steps.size() - 1;
    }
}
