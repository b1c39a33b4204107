package dev.aegis.canary.sim;

import java.util.Locale;

/**
 * The counters one simulated pod exposes, in the shape most HTTP services use: {@code http_requests_total{code}} and
 * the {@code http_request_duration_seconds} histogram. Requests accrue deterministically (no randomness), so a
 * test knows the exact error ratio Prometheus will see.
 */
final class PodMetrics {

    /** The Prometheus client libraries' default buckets, in seconds. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private double ok;
    private double errors;
    private final double[] buckets = new double[BUCKETS.length];
    private double count;
    private double sum;

    /** Adds the requests served during {@code seconds} at {@code rps} with the version's behaviour. */
    synchronized void serve(double rps, double seconds, VersionBehaviour behaviour) {
        double requests = rps * seconds;
        if (requests <= 0) {
            return;
        }
        errors += requests * behaviour.errorRatio();
        ok += requests * (1 - behaviour.errorRatio());
        for (int i = 0; i < BUCKETS.length; i++) {
            buckets[i] += requests * behaviour.latencyCdf(BUCKETS[i]);
        }
        count += requests;
        sum += requests * behaviour.meanLatencySeconds();
    }

    synchronized double requests() {
        return count;
    }

    synchronized double failures() {
        return errors;
    }

    /** The Prometheus text exposition of the pod's counters. */
    synchronized String exposition() {
        StringBuilder out = new StringBuilder(1024);
        out.append("# HELP http_requests_total Requests served, by status code.\n");
        out.append("# TYPE http_requests_total counter\n");
        out.append("http_requests_total{code=\"200\"} ").append(number(ok)).append('\n');
        out.append("http_requests_total{code=\"500\"} ").append(number(errors)).append('\n');
        out.append("# HELP http_request_duration_seconds Request latency.\n");
        out.append("# TYPE http_request_duration_seconds histogram\n");
        for (int i = 0; i < BUCKETS.length; i++) {
            out.append("http_request_duration_seconds_bucket{le=\"").append(Double.toString(BUCKETS[i])).append("\"} ")
                    .append(number(buckets[i])).append('\n');
        }
        out.append("http_request_duration_seconds_bucket{le=\"+Inf\"} ").append(number(count)).append('\n');
        out.append("http_request_duration_seconds_sum ").append(number(sum)).append('\n');
        out.append("http_request_duration_seconds_count ").append(number(count)).append('\n');
        return out.toString();
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
