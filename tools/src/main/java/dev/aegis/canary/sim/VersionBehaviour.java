package dev.aegis.canary.sim;

import java.time.Duration;

/**
 * How the pods of one version behave in the simulated fleet.
 *
 * @param errorRatio share of requests answered with HTTP 500, 0..1
 * @param latencyP50Ms median latency in milliseconds
 * @param latencyP99Ms 99th percentile latency in milliseconds
 * @param readyAfter how long a new pod takes to become ready
 * @param becomesReady false for a version whose pods never pass their readiness probe
 * @param trafficShare the share of the usual request rate its pods get: 0 for a version nobody calls
 */
public record VersionBehaviour(double errorRatio, double latencyP50Ms, double latencyP99Ms, Duration readyAfter,
        boolean becomesReady, double trafficShare) {

    public VersionBehaviour {
        if (errorRatio < 0 || errorRatio > 1) {
            throw new IllegalArgumentException("errorRatio must be in 0..1, got " + errorRatio);
        }
        if (latencyP50Ms <= 0 || latencyP99Ms < latencyP50Ms) {
            throw new IllegalArgumentException("latencies must satisfy 0 < p50 <= p99");
        }
        if (trafficShare < 0) {
            throw new IllegalArgumentException("trafficShare must be at least 0, got " + trafficShare);
        }
    }

    /** 0.1% errors, 20 ms median, 80 ms p99, ready after 300 ms. */
    public static VersionBehaviour healthy() {
        return new VersionBehaviour(0.001, 20, 80, Duration.ofMillis(300), true, 1);
    }

    public VersionBehaviour withErrorRatio(double ratio) {
        return new VersionBehaviour(ratio, latencyP50Ms, latencyP99Ms, readyAfter, becomesReady, trafficShare);
    }

    public VersionBehaviour withLatency(double p50Ms, double p99Ms) {
        return new VersionBehaviour(errorRatio, p50Ms, p99Ms, readyAfter, becomesReady, trafficShare);
    }

    public VersionBehaviour withReadyAfter(Duration delay) {
        return new VersionBehaviour(errorRatio, latencyP50Ms, latencyP99Ms, delay, becomesReady, trafficShare);
    }

    public VersionBehaviour withTrafficShare(double share) {
        return new VersionBehaviour(errorRatio, latencyP50Ms, latencyP99Ms, readyAfter, becomesReady, share);
    }

    public VersionBehaviour neverReady() {
        return new VersionBehaviour(errorRatio, latencyP50Ms, latencyP99Ms, readyAfter, false, trafficShare);
    }

    /**
     * The share of requests that take at most {@code seconds}: a piecewise-linear distribution through (0, 0), (p50,
     * 0.5), (p99, 0.99) and (2 × p99, 1), so histogram_quantile recovers p50 and p99 where they fall on bucket bounds.
     */
    public double latencyCdf(double seconds) {
        double ms = seconds * 1000;
        if (ms <= 0) {
            return 0;
        }
        if (ms <= latencyP50Ms) {
            return 0.5 * ms / latencyP50Ms;
        }
        if (ms <= latencyP99Ms) {
            return latencyP99Ms == latencyP50Ms
                    ? 0.99
                    : 0.5 + 0.49 * (ms - latencyP50Ms) / (latencyP99Ms - latencyP50Ms);
        }
        double tail = 2 * latencyP99Ms;
        return ms >= tail ? 1 : 0.99 + 0.01 * (ms - latencyP99Ms) / (tail - latencyP99Ms);
    }

    /** Mean latency of that distribution, in seconds (for the histogram's _sum). */
    public double meanLatencySeconds() {
        double p50 = latencyP50Ms;
        double p99 = latencyP99Ms;
        double mean = 0.5 * (p50 / 2) + 0.49 * ((p50 + p99) / 2) + 0.01 * ((p99 + 2 * p99) / 2);
        return mean / 1000;
    }
}
