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
 * @param noDataLimit windows without data that roll back (see {@link #noDataAllowance})
 * @param errorLimit checks in a row with a query error that roll back
 * @param sequential the sequential judge's settings; null with the threshold judge
 * @param scrapeInterval how often Prometheus scrapes the pods, or zero when unknown: it sets the least window a
 *        query may look over ({@link #window})
 */
public record RolloutPolicy(List<Integer> steps, Duration interval, Duration progressDeadline, int failureLimit,
        int noDataLimit, int errorLimit, SequentialPolicy sequential, Duration scrapeInterval) {

    /**
     * Scrapes a query's range must span: a rate needs two samples in its range, and one missed scrape must not
     * leave it with fewer (Prometheus' own advice for rate() is four scrape intervals).
     */
    public static final int SCRAPES_PER_WINDOW = 4;

    public RolloutPolicy {
        steps = List.copyOf(steps);
        scrapeInterval = scrapeInterval == null ? Duration.ZERO : scrapeInterval;
    }

    /** A policy whose scrape interval is not known yet. */
    public RolloutPolicy(List<Integer> steps, Duration interval, Duration progressDeadline, int failureLimit,
            int noDataLimit, int errorLimit, SequentialPolicy sequential) {
        this(steps, interval, progressDeadline, failureLimit, noDataLimit, errorLimit, sequential, Duration.ZERO);
    }

    /** A policy with the threshold judge. */
    public RolloutPolicy(List<Integer> steps, Duration interval, Duration progressDeadline, int failureLimit,
            int noDataLimit, int errorLimit) {
        this(steps, interval, progressDeadline, failureLimit, noDataLimit, errorLimit, null);
    }

    /** The same policy, knowing how often Prometheus scrapes. */
    public RolloutPolicy withScrapeInterval(Duration scrape) {
        return new RolloutPolicy(steps, interval, progressDeadline, failureLimit, noDataLimit, errorLimit,
                sequential, scrape);
    }

    /**
     * The least range a query looks over ({@code {{interval}}}): the interval, but never fewer than
     * {@link #SCRAPES_PER_WINDOW} scrapes. The cadence (interval) may be shorter; it never shrinks the window.
     */
    public Duration window() {
        Duration least = scrapeInterval.multipliedBy(SCRAPES_PER_WINDOW);
        return least.compareTo(interval) > 0 ? least : interval;
    }

    /**
     * The least time from the canary being ready at a step to the step's first check: the interval, and never
     * before Prometheus can hold two scrapes of the new pods (what rate() and increase() need). The query still
     * looks over the whole {@link #window}.
     */
    public Duration firstLook() {
        Duration least = scrapeInterval.multipliedBy(2);
        return least.compareTo(interval) > 0 ? least : interval;
    }

    /** How often Prometheus' service discovery hands new targets over to its scrapers (its discovery manager). */
    public static final Duration DISCOVERY_BATCH = Duration.ofSeconds(5);

    /**
     * Until when, counted from the canary being ready at a step, a look that finds no series at all may still be
     * awaiting the canary's first samples: the first look, Prometheus' discovery batch and two scrapes (so rate() has
     * two points); but never past half the no-data allowance, so a metric that never comes is warned about
     * (CheckNoData) before it rolls the run back.
     */
    public Duration firstSamplesBy() {
        Duration expected = firstLook().plus(DISCOVERY_BATCH).plus(scrapeInterval.multipliedBy(2));
        Duration half = noDataAllowance().dividedBy(2);
        return expected.compareTo(half) < 0 ? expected : half;
    }

    /**
     * How soon to look again while the canary's first samples are awaited: one scrape (at least a second), never
     * later than the interval.
     */
    public Duration relook() {
        Duration scrape = scrapeInterval.compareTo(Duration.ofSeconds(1)) > 0 ? scrapeInterval : Duration.ofSeconds(1);
        return scrape.compareTo(interval) < 0 ? scrape : interval;
    }

    /** How long checks may find no data before the run rolls back: noDataLimit windows, however often one looks. */
    public Duration noDataAllowance() {
        return window().multipliedBy(noDataLimit);
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
