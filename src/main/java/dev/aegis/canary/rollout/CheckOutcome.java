package dev.aegis.canary.rollout;

import java.util.List;

import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;

/**
 * One check of every metric, reduced to a verdict: any Fail fails the check; otherwise any NoData or Error makes it
 * inconclusive; only all-Pass passes.
 *
 * @param verdict the check's verdict
 * @param results one result per metric, in spec order
 * @param summary the reason in words, naming the metric, its value and the threshold when it failed
 */
public record CheckOutcome(Verdict verdict, List<MetricResult> results, String summary) {

    public enum Verdict {
        PASS, FAIL, INCONCLUSIVE
    }

    public CheckOutcome {
        results = List.copyOf(results);
    }

    /** Aggregates per-metric results into one verdict. */
    public static CheckOutcome of(List<MetricResult> results) {
        List<MetricResult> failed = results.stream().filter(r -> r.getResult() == CheckResult.Fail).toList();
        if (!failed.isEmpty()) {
            return new CheckOutcome(Verdict.FAIL, results, describe(failed));
        }
        List<MetricResult> inconclusive = results.stream().filter(r -> r.getResult() != CheckResult.Pass).toList();
        if (!inconclusive.isEmpty()) {
            return new CheckOutcome(Verdict.INCONCLUSIVE, results, describe(inconclusive));
        }
        return new CheckOutcome(Verdict.PASS, results, results.isEmpty() ? "no metrics" : describe(results));
    }

    private static String describe(List<MetricResult> results) {
        StringBuilder out = new StringBuilder();
        for (MetricResult r : results) {
            if (!out.isEmpty()) {
                out.append("; ");
            }
            out.append(MetricText.describe(r));
        }
        return out.toString();
    }
}
