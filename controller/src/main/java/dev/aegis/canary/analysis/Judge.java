package dev.aegis.canary.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.CompareSpec;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.rollout.Durations;
import dev.aegis.canary.rollout.MetricText;

/**
 * Turns query results into a metric's verdict: the canary's value against the threshold range, and against the
 * primary's value when the metric compares with it. Pure: no I/O, no framework.
 */
public final class Judge {

    /**
     * What a metric is judged by.
     *
     * @param metric the metric's name
     * @param range bounds for the canary's value, or null
     * @param compare bounds relative to the primary's value, or null
     * @param dryRun the result is recorded only
     */
    public record Criteria(String metric, ThresholdRange range, CompareSpec compare, boolean dryRun) {

        public static Criteria of(String metric, ThresholdRange range) {
            return new Criteria(metric, range, null, false);
        }
    }

    private Judge() {
    }

    /** A metric without comparison. */
    public static MetricResult judge(String metric, ThresholdRange range, QueryResult result, String query,
            Instant time) {
        return judge(Criteria.of(metric, range), result, null, query, time);
    }

    /**
     * @param canary the metric's query on the canary
     * @param baseline the same on the primary; null when the metric does not compare
     */
    public static MetricResult judge(Criteria c, QueryResult canary, QueryResult baseline, String query,
            Instant time) {
        return judge(c, canary, baseline, null, query, time);
    }

    /**
     * @param lastBaseline the primary's value at the previous check: what the canary is compared with when the
     *        primary serves no traffic now (the last step of a run); null when there is none
     */
    public static MetricResult judge(Criteria c, QueryResult canary, QueryResult baseline, Double lastBaseline,
            String query, Instant time) {
        MetricResult r = judgeValue(c, canary, baseline, lastBaseline, query, time);
        r.setDryRun(c.dryRun() ? Boolean.TRUE : null);
        return r;
    }

    private static MetricResult judgeValue(Criteria c, QueryResult canary, QueryResult baseline,
            Double lastBaseline, String query, Instant time) {
        String rangeText = describe(c.range(), c.compare());
        String at = time.toString();
        Usable value = usable(canary, c.range() == null ? null : c.range().getMax(), c.range() == null
                ? null
                : c.range().getMin());
        if (value.result() != null) {
            return new MetricResult(c.metric(), null, rangeText, value.result(), value.reason(), query, at);
        }
        if (c.range() != null && !within(c.range(), value.number())) {
            return withBaseline(new MetricResult(c.metric(), value.number(), rangeText, CheckResult.Fail, null, query,
                    at), baseline);
        }
        if (c.compare() == null) {
            return new MetricResult(c.metric(), value.number(), rangeText, CheckResult.Pass, null, query, at);
        }
        Usable primary = usable(baseline == null ? new QueryResult.NoSamples() : baseline, null, null);
        String note = null;
        if (primary.result() == CheckResult.NoData && lastBaseline != null) {
            // The primary serves nothing now (all traffic is on the canary): compare with its last measure.
            primary = new Usable(lastBaseline, null, null);
            note = "the primary serves no traffic now; compared with its value at the previous check";
        }
        if (primary.result() != null) {
            // Without the primary's value there is nothing to compare with: as inconclusive as the canary's own.
            return new MetricResult(c.metric(), value.number(), rangeText, primary.result(),
                    "primary: " + primary.reason(), query, at);
        }
        CheckResult verdict = compares(c.compare(), value.number(), primary.number())
                ? CheckResult.Pass
                : CheckResult.Fail;
        MetricResult r = new MetricResult(c.metric(), value.number(), rangeText, verdict, note, query, at);
        r.setBaseline(primary.number());
        return r;
    }

    /**
     * What the sequential judge is asked: its settings and how long the step has been watched.
     *
     * @param settings margin, the error rate of this one comparison and the least canary requests
     * @param confidence the run's confidence in percent, as the Canary states it (for the words)
     * @param watched how long the canary has been watched at this step: the window of the counts
     * @param maxDwell from this long on, an undecided comparison is judged by the observed difference
     */
    public record Look(SequentialJudge.Settings settings, double confidence, Duration watched, Duration maxDwell) {
    }

    /**
     * A counts metric's verdict from the sequential judge: Fail when the canary is shown worse than the primary by
     * more than the margin, Pass when shown no worse, Inconclusive while neither is shown; once the step has been
     * watched for maxDwell, the observed difference against the margin decides.
     *
     * @param canary requests and failed on the canary; primary the same on the primary
     * @param lastPrimary the primary's failed percentage at the previous check, for when it serves nothing now
     */
    public static MetricResult judgeCounts(String metric, String outcome, boolean dryRun, QueryResult[] canary,
            QueryResult[] primary, Double lastPrimary, Look look, String query, Instant time) {
        return judgeCounts(metric, outcome, dryRun, Absence.NONE_IS_ZERO, canary, primary, lastPrimary, look, query,
                time);
    }

    /**
     * Which counts may match no series and mean zero: the template says so explicitly (an error counter never
     * incremented has no series). Any other count that matches nothing is no data, never zero: a selector that
     * matches nothing because of a wrong label or arg must not pass.
     */
    public record Absence(boolean requestsZero, boolean failedZero) {

        public static final Absence NONE_IS_ZERO = new Absence(false, false);
    }

    /**
     * @param absence which counts matching no series mean zero
     */
    public static MetricResult judgeCounts(String metric, String outcome, boolean dryRun, Absence absence,
            QueryResult[] canary, QueryResult[] primary, Double lastPrimary, Look look, String query, Instant time) {
        String range = MetricText.SEQUENTIAL + outcome + " <= primary + " + MetricText.number(look.settings().margin()
                * 100) + " pp (" + MetricText.number(look.confidence()) + "% confident)";
        MetricResult r = countsResult(metric, outcome, absence, canary, primary, lastPrimary, look, range, query,
                time);
        r.setDryRun(dryRun ? Boolean.TRUE : null);
        return r;
    }

    private static MetricResult countsResult(String metric, String outcome, Absence absence, QueryResult[] canary,
            QueryResult[] primary, Double lastPrimary, Look look, String range, String query, Instant time) {
        String at = time.toString();
        for (QueryResult q : List.of(canary[0], canary[1], primary[0], primary[1])) {
            if (q instanceof QueryResult.Failure f) {
                return new MetricResult(metric, null, range, CheckResult.Error, f.reason(), query, at);
            }
        }
        // The primary serving nothing now (the last step) is told by its requests matching nothing: its ratio at
        // the previous check stands for it.
        boolean primaryAway = lastPrimary != null && primary[0] instanceof QueryResult.NoSamples;
        String missing = missing(canary[0], absence.requestsZero(), "the canary's requests");
        missing = missing != null
                ? missing
                : missing(canary[1], absence.failedZero(), "the canary's " + outcome
                        + " requests");
        if (missing == null && !primaryAway) {
            missing = missing(primary[0], absence.requestsZero(), "the primary's requests");
            missing = missing != null
                    ? missing
                    : missing(primary[1], absence.failedZero(), "the primary's "
                            + outcome + " requests");
        }
        if (missing != null) {
            return new MetricResult(metric, null, range, CheckResult.NoData, "no samples for " + missing
                    + ": the query matched no series (a label, pod or arg that matches nothing is never counted as "
                    + "zero)", query, at);
        }
        SequentialJudge.Counts c = SequentialJudge.Counts.of(count(canary[0]), count(canary[1]));
        SequentialJudge.Counts p = SequentialJudge.Counts.of(count(primary[0]), count(primary[1]));
        SequentialJudge.Verdict v = p.requests() == 0 && lastPrimary != null
                ? SequentialJudge.judge(c, lastPrimary / 100, look.settings())
                : SequentialJudge.judge(c, p, look.settings());
        String reason = v.explain(look.confidence(), outcome);
        CheckResult result = switch (v.decision()) {
            case WORSE -> CheckResult.Fail;
            case NO_WORSE -> CheckResult.Pass;
            case UNDECIDED -> CheckResult.Inconclusive;
        };
        if (result == CheckResult.Inconclusive && look.watched().compareTo(look.maxDwell()) >= 0) {
            if (c.requests() == 0) {
                return new MetricResult(metric, null, range, CheckResult.NoData, "no canary requests in "
                        + Durations.format(look.watched()), query, at);
            }
            if (p.requests() == 0 && lastPrimary == null) {
                return new MetricResult(metric, 100 * c.ratio(), range, CheckResult.NoData,
                        "primary: no requests to compare with", query, at);
            }
            double difference = c.ratio() - v.primaryRatio();
            result = difference <= look.settings().margin() ? CheckResult.Pass : CheckResult.Fail;
            reason += "; undecided after " + Durations.format(look.maxDwell())
                    + " (maxDwell), so the observed difference decides: " + MetricText.number(100 * difference)
                    + " pp " + (result == CheckResult.Pass ? "<=" : ">") + " margin";
        }
        MetricResult r = new MetricResult(metric, 100 * c.ratio(), range, result, reason, query, at);
        r.setBaseline(100 * v.primaryRatio());
        return r;
    }

    /** The part's name when its query matched no series and the template does not say that means zero. */
    private static String missing(QueryResult q, boolean absentIsZero, String part) {
        return q instanceof QueryResult.NoSamples && !absentIsZero ? part : null;
    }

    /** A count from Prometheus: no series (where the template allows it) or NaN is 0. */
    private static double count(QueryResult q) {
        return q instanceof QueryResult.Sample s && Double.isFinite(s.value()) ? s.value() : 0;
    }

    private static MetricResult withBaseline(MetricResult r, QueryResult baseline) {
        if (baseline instanceof QueryResult.Sample s && Double.isFinite(s.value())) {
            r.setBaseline(s.value());
        }
        return r;
    }

    /** A finite number, or the result and reason that stand for one. */
    private record Usable(double number, CheckResult result, String reason) {
    }

    /**
     * An infinity is no number to store (the API refuses it) and says nothing against a bound it does not cross:
     * +Inf fails a max, -Inf fails a min; otherwise there is no usable value.
     */
    private static Usable usable(QueryResult result, Double max, Double min) {
        if (result instanceof QueryResult.Sample sample) {
            double v = sample.value();
            if (Double.isNaN(v)) {
                return new Usable(0, CheckResult.NoData, "NaN: the query divided by zero (no requests in the "
                        + "window?)");
            }
            if (Double.isInfinite(v)) {
                boolean crosses = v > 0 ? max != null : min != null;
                String text = v > 0 ? "+Inf" : "-Inf";
                return new Usable(0, crosses ? CheckResult.Fail : CheckResult.NoData,
                        text + (crosses ? "" : ": the query has no finite value (a division by zero?)"));
            }
            return new Usable(v, null, null);
        }
        if (result instanceof QueryResult.Failure failure) {
            return new Usable(0, CheckResult.Error, failure.reason());
        }
        return new Usable(0, CheckResult.NoData, "no samples: the query matched no series");
    }

    /** Inclusive bounds: a value equal to min or max passes. */
    static boolean within(ThresholdRange range, double value) {
        if (range.getMin() != null && !(value >= range.getMin())) {
            return false;
        }
        return range.getMax() == null || value <= range.getMax();
    }

    /** Inclusive bounds relative to the primary. A zero primary makes any positive canary infinitely larger. */
    static boolean compares(CompareSpec c, double canary, double primary) {
        if (c.getMaxIncrease() != null && canary - primary > c.getMaxIncrease()) {
            return false;
        }
        if (c.getMaxDecrease() != null && primary - canary > c.getMaxDecrease()) {
            return false;
        }
        double ratio = primary == 0 ? (canary == 0 ? 1 : Double.POSITIVE_INFINITY) : canary / primary;
        if (c.getMaxRatio() != null && ratio > c.getMaxRatio()) {
            return false;
        }
        return c.getMinRatio() == null || ratio >= c.getMinRatio();
    }

    /** ">= 99", "<= 500", ">= 1 and <= 5", ">= primary - 0.5", "<= 1.2 x primary". */
    public static String describe(ThresholdRange range, CompareSpec compare) {
        List<String> parts = new ArrayList<>();
        if (range != null) {
            String d = describe(range);
            if (d != null) {
                parts.add(d);
            }
        }
        if (compare != null) {
            if (compare.getMaxIncrease() != null) {
                parts.add("<= primary + " + MetricText.number(compare.getMaxIncrease()));
            }
            if (compare.getMaxDecrease() != null) {
                parts.add(">= primary - " + MetricText.number(compare.getMaxDecrease()));
            }
            if (compare.getMaxRatio() != null) {
                parts.add("<= " + MetricText.number(compare.getMaxRatio()) + " x primary");
            }
            if (compare.getMinRatio() != null) {
                parts.add(">= " + MetricText.number(compare.getMinRatio()) + " x primary");
            }
        }
        return String.join(" and ", parts);
    }

    /** ">= 99", "<= 500", ">= 1 and <= 5". */
    public static String describe(ThresholdRange range) {
        String min = range.getMin() == null ? null : ">= " + MetricText.number(range.getMin());
        String max = range.getMax() == null ? null : "<= " + MetricText.number(range.getMax());
        if (min != null && max != null) {
            return min + " and " + max;
        }
        return min != null ? min : max;
    }
}
