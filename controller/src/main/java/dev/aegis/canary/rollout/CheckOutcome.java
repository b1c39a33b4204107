package dev.aegis.canary.rollout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;

/**
 * One check of every metric, reduced to a verdict: any Fail fails the check; otherwise any Error makes it an error,
 * otherwise any NoData makes it a no-data check, otherwise any Inconclusive (sequential judge) holds the step; only
 * all-Pass passes. Dry-run metrics are recorded and do not count.
 *
 * @param verdict the check's verdict
 * @param results one result per metric, in spec order
 * @param summary the reason in words, naming the metric, its value and the threshold when it failed
 * @param rollbackBy set when a rollback webhook answered 2xx: why the run rolls back now
 * @param gate for a passing check, the confirm-traffic-increase or confirm-promotion answer; null when none is set
 */
public record CheckOutcome(Verdict verdict, List<MetricResult> results, String summary, String rollbackBy,
        Gate gate) {

    public enum Verdict {
        PASS, FAIL,
        /** Some query could not be answered (and none failed). */
        ERROR,
        /** Some query had nothing to judge (and none failed or erred). */
        NO_DATA,
        /** The sequential judge needs more requests to decide (and every other metric passed): the step holds. */
        INCONCLUSIVE
    }

    public CheckOutcome {
        results = List.copyOf(results);
    }

    public CheckOutcome(Verdict verdict, List<MetricResult> results, String summary) {
        this(verdict, results, summary, null, null);
    }

    /** The same check, with a rollback webhook's 2xx: the run rolls back at once, whatever the metrics say. */
    public CheckOutcome withRollbackBy(String reason) {
        return new CheckOutcome(verdict, results, summary, reason, gate);
    }

    /** The same check, with the answer of the gate that guards the next move (traffic increase or promotion). */
    public CheckOutcome withGate(Gate next) {
        return new CheckOutcome(verdict, results, summary, rollbackBy, next);
    }

    /** Aggregates per-metric results into one verdict. */
    public static CheckOutcome of(List<MetricResult> results) {
        List<MetricResult> counted = results.stream().filter(r -> !r.dryRun()).toList();
        for (CheckResult worst : List.of(CheckResult.Fail, CheckResult.Error, CheckResult.NoData,
                CheckResult.Inconclusive)) {
            List<MetricResult> deciding = counted.stream().filter(r -> r.getResult() == worst).toList();
            if (!deciding.isEmpty()) {
                Verdict verdict = switch (worst) {
                    case Fail -> Verdict.FAIL;
                    case Error -> Verdict.ERROR;
                    case NoData -> Verdict.NO_DATA;
                    default -> Verdict.INCONCLUSIVE;
                };
                return new CheckOutcome(verdict, results, describe(deciding));
            }
        }
        return new CheckOutcome(Verdict.PASS, results, counted.isEmpty() ? "no metrics" : describe(counted));
    }

    /** Each result in words; those alike (the same error or lack of data) once, with all their metrics' names. */
    private static String describe(List<MetricResult> results) {
        Map<Object, List<MetricResult>> told = new LinkedHashMap<>();
        for (MetricResult r : results) {
            String alike = MetricText.sameReason(r);
            told.computeIfAbsent(alike == null ? new Object() : alike, k -> new ArrayList<>()).add(r);
        }
        return told.values().stream().map(MetricText::describe).collect(Collectors.joining("; "));
    }
}
