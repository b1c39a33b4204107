package dev.aegis.canary.rollout;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.stream.Collectors;

import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;

/** How a metric result reads in messages, Events and notifications. */
public final class MetricText {

    private MetricText() {
    }

    /**
     * "success-rate 91.8 (want >= 99)", "success-rate 95 (want >= primary - 0.5; primary 99.9)", "latency-p99: no
     * data (no samples)", "success-rate: error (timeout)".
     */
    public static String describe(MetricResult r) {
        return describe(r, r.getMetric());
    }

    /**
     * Metrics with the same result for the same reason, told once: "success-rate, latency-p99: error (Prometheus at
     * http://prometheus:9090 unreachable: Connection refused)". An outage fails every query alike.
     *
     * @param alike results that differ only in their metric (see {@link #sameReason})
     */
    public static String describe(List<MetricResult> alike) {
        return describe(alike.get(0), alike.stream().map(MetricResult::getMetric).collect(Collectors.joining(", ")));
    }

    /**
     * What makes results alike for {@link #describe(List)}: an error or no data (whose words show no value) with the
     * same reason, dry run or not, judged the same way; null for a result that is told on its own.
     */
    public static String sameReason(MetricResult r) {
        if (r.getResult() != CheckResult.Error && r.getResult() != CheckResult.NoData) {
            return null;
        }
        return r.getResult() + "/" + r.dryRun() + "/" + isSequential(r) + "/" + r.getReason();
    }

    private static String describe(MetricResult r, String metric) {
        if (isSequential(r) && r.getReason() != null) {
            // "errors: canary failed 4.8% vs primary 0.1% over 1,240 requests; 99% confident it is worse by ..."
            return (r.dryRun() ? "[dry run] " : "") + metric + ": " + r.getReason();
        }
        String primary = r.getBaseline() == null ? "" : "; primary " + number(r.getBaseline());
        return (r.dryRun() ? "[dry run] " : "") + switch (r.getResult()) {
            case Pass, Fail -> metric + " " + (r.getValue() == null ? r.getReason() : number(r.getValue()))
                    + " (want " + r.getRange() + primary + ")";
            case NoData -> metric + ": no data (" + r.getReason() + ")";
            case Error -> metric + ": error (" + r.getReason() + ")";
            case Inconclusive -> metric + ": inconclusive (" + r.getReason() + ")";
        };
    }

    /** The range of a metric judged by the sequential judge starts with this. */
    public static final String SEQUENTIAL = "sequential: ";

    static boolean isSequential(MetricResult r) {
        return r.getRange() != null && r.getRange().startsWith(SEQUENTIAL);
    }

    /** A value as people read it: at most 3 decimals, no trailing zeros. */
    public static String number(Double value) {
        if (value == null) {
            return "none";
        }
        if (value.isNaN() || value.isInfinite()) {
            return value.toString();
        }
        BigDecimal d = BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }
}
