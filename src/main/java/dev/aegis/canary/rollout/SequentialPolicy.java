package dev.aegis.canary.rollout;

import java.time.Duration;

/**
 * The sequential judge's settings with defaults filled in.
 *
 * @param marginPoints percentage points of failed requests the canary may have above the primary's
 * @param confidence percent: the chance that a whole run takes no wrong verdict
 * @param minSamples canary requests in a step before any verdict
 * @param minDwell least time on a step
 * @param maxDwell a step undecided this long is judged by the observed difference against the margin
 */
public record SequentialPolicy(double marginPoints, double confidence, long minSamples, Duration minDwell,
        Duration maxDwell) {

    /**
     * The chance of a wrong verdict one comparison may take: the run's (100 - confidence)% split evenly over the
     * steps and the metrics compared (a union bound, so the run as a whole keeps the confidence asked).
     */
    public double alphaPerTest(int steps, int metrics) {
        return (1 - confidence / 100) / (Math.max(1, steps) * Math.max(1, metrics));
    }
}
