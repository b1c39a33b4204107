package dev.aegis.canary.analysis;

import java.time.Instant;

import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.rollout.MetricText;

/** Turns a query result into a verdict against a threshold range. Pure: no I/O, no framework. */
public final class Judge {

    private Judge() {
    }

    public static MetricResult judge(String metric, ThresholdRange range, QueryResult result, String query,
            Instant time) {
        String rangeText = describe(range);
        String at = time.toString();
        if (result instanceof QueryResult.Sample sample) {
            double value = sample.value();
            if (Double.isNaN(value)) {
                return new MetricResult(metric, null, rangeText, CheckResult.NoData,
                        "NaN: the query divided by zero (no requests in the window?)", query, at);
            }
            if (Double.isInfinite(value)) {
                // An infinity is no number to store (the API refuses it) and says nothing against the bound it does
                // not cross: +Inf fails a max, -Inf fails a min; otherwise there is no usable value.
                String text = value > 0 ? "+Inf" : "-Inf";
                boolean crosses = value > 0 ? range.getMax() != null : range.getMin() != null;
                return new MetricResult(metric, null, rangeText, crosses ? CheckResult.Fail : CheckResult.NoData,
                        text + (crosses ? "" : ": the query has no finite value (a division by zero?)"), query, at);
            }
            CheckResult verdict = within(range, value) ? CheckResult.Pass : CheckResult.Fail;
            return new MetricResult(metric, value, rangeText, verdict, null, query, at);
        }
        if (result instanceof QueryResult.Failure failure) {
            return new MetricResult(metric, null, rangeText, CheckResult.Error, failure.reason(), query, at);
        }
        return new MetricResult(metric, null, rangeText, CheckResult.NoData, "no samples: the query matched no series",
                query, at);
    }

    /** Inclusive bounds: a value equal to min or max passes. */
    static boolean within(ThresholdRange range, double value) {
        if (range.getMin() != null && !(value >= range.getMin())) {
            return false;
        }
        return range.getMax() == null || value <= range.getMax();
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
