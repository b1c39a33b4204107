package dev.aegis.canary.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Past series in the OpenMetrics text format, for promtool to backfill: counters that grow at a steady rate (so
 * rate() over any window is exactly that rate) and histograms whose buckets hold fixed shares of the requests (so
 * histogram_quantile is known in advance).
 */
public final class OpenMetricsSeries {

    private final Instant start;
    private final Duration step;
    private final int points;
    private final Map<String, List<String>> families = new LinkedHashMap<>();

    public OpenMetricsSeries(Instant start, Duration step, int points) {
        this.start = start;
        this.step = step;
        this.points = points;
    }

    /**
     * A counter whose rate changes over time: between two samples it grows at the rate {@code perSecondAt} gives
     * for the earlier one (seconds since the start), so a change on a sample boundary is exact in rate().
     */
    public OpenMetricsSeries counter(String name, Map<String, String> labels,
            java.util.function.DoubleUnaryOperator perSecondAt) {
        List<String> lines = families.computeIfAbsent(name, n -> new ArrayList<>());
        String series = name + labels(labels);
        double value = 0;
        for (int i = 0; i < points; i++) {
            double seconds = i * step.toSeconds();
            lines.add(series + " " + number(value) + " " + (start.getEpochSecond() + (long) seconds));
            value += perSecondAt.applyAsDouble(seconds) * step.toSeconds();
        }
        return this;
    }

    /** A counter growing by {@code perSecond} every second. */
    OpenMetricsSeries counter(String name, Map<String, String> labels, double perSecond) {
        List<String> lines = families.computeIfAbsent(name, n -> new ArrayList<>());
        String series = name + labels(labels);
        for (int i = 0; i < points; i++) {
            double seconds = i * step.toSeconds();
            lines.add(series + " " + number(perSecond * seconds) + " " + (start.getEpochSecond() + (long) seconds));
        }
        return this;
    }

    /**
     * Requests by status: {@code rps} in all, {@code errorRatio} of them with the error code.
     *
     * @param codeLabel the label holding the status code
     */
    OpenMetricsSeries requests(String name, Map<String, String> labels, String codeLabel, String okCode,
            String errorCode, double rps, double errorRatio) {
        counter(name, with(labels, codeLabel, okCode), rps * (1 - errorRatio));
        return counter(name, with(labels, codeLabel, errorCode), rps * errorRatio);
    }

    /**
     * A histogram's buckets: {@code cumulative[i]} of {@code rps} fall at or below {@code bounds[i]}; the rest in
     * +Inf.
     */
    OpenMetricsSeries histogram(String bucketName, Map<String, String> labels, double rps, double[] bounds,
            double[] cumulative) {
        for (int i = 0; i < bounds.length; i++) {
            counter(bucketName, with(labels, "le", number(bounds[i])), rps * cumulative[i]);
        }
        return counter(bucketName, with(labels, "le", "+Inf"), rps);
    }

    static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> out = new TreeMap<>(labels);
        out.put(key, value);
        return out;
    }

    /** The file promtool reads. */
    public String text() {
        StringBuilder out = new StringBuilder();
        families.forEach((name, lines) -> {
            out.append("# TYPE ").append(name).append(" unknown\n");
            lines.forEach(l -> out.append(l).append('\n'));
        });
        return out.append("# EOF\n").toString();
    }

    private static String labels(Map<String, String> labels) {
        StringBuilder out = new StringBuilder("{");
        new TreeMap<>(labels).forEach((k, v) -> {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(k).append("=\"").append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        });
        return out.append('}').toString();
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%.6f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
