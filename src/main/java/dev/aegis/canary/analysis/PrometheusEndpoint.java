package dev.aegis.canary.analysis;

import java.time.Duration;

/**
 * Where and how to ask a Prometheus server.
 *
 * @param baseUrl e.g. http://prometheus.monitoring:9090 (no trailing slash needed)
 * @param authorization an Authorization header value, or null; it never appears in toString, logs or status
 * @param timeout how long one query may take
 */
public record PrometheusEndpoint(String baseUrl, String authorization, Duration timeout) {

    public String queryUrl() {
        return (baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl) + "/api/v1/query";
    }

    @Override
    public String toString() {
        return "PrometheusEndpoint[" + baseUrl + ", timeout " + timeout + (authorization == null ? "" : ", with auth")
                + "]";
    }
}
