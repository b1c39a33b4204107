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
            if (Double.isNaN(sample.value())) {
                return new MetricResult(metric, null, rangeText, CheckResult.NoData,
                        "NaN: the query divided by zero (no requests in the window?)", query, at);
            }
            CheckResult verdict = within(range, sample.value()) ? CheckResult.Pass : CheckResult.Fail;
            return new MetricResult(metric, sample.value(), rangeText, verdict, null, query, at);
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
