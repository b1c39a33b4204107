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
     * The chance of a wrong verdict one comparison may take. The run's (100 - confidence)% is spent over its steps,
     * half of it on the first step and the other half evenly over the rest, then split evenly over the metrics
     * compared (a union bound, so the run as a whole keeps the confidence asked). The first step gets the larger
     * share because it gathers evidence slowest (the canary's smallest share of traffic) and is where a version bad
     * from the start is caught: there, a larger share decides on fewer failed requests. Later steps see many times
     * the traffic, so their smaller share costs them little time.
     *
     * @param stepIndex the step judged, from 0
     */
    public double alphaPerTest(int stepIndex, int steps, int metrics) {
        double run = 1 - confidence / 100;
        double step = steps <= 1 ? run : stepIndex == 0 ? run / 2 : run / 2 / (steps - 1);
        return step / Math.max(1, metrics);
    }
}
