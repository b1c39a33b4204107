package dev.aegis.canary.analysis;

import java.time.Duration;
import java.util.Map;

/**
 * Where and how to ask a Prometheus server.
 *
 * @param baseUrl e.g. http://prometheus.monitoring:9090 (no trailing slash needed)
 * @param headers request headers, Authorization included; their values never appear in toString, logs or status
 * @param timeout how long one query may take, answer included
 * @param tls for an https address: the CA to trust (PEM), or none to use the JVM's; or no verification at all
 * @param timeoutSetting where the timeout is set, as a user would look for it ("aegis.prometheus.timeout",
 *        "AnalysisTemplate request-success-rate spec.prometheus.timeout"); null when unknown
 */
public record PrometheusEndpoint(String baseUrl, Map<String, String> headers, Duration timeout, Tls tls,
        String timeoutSetting) {

    /** TLS settings; {@code caPem} null means the JVM's trust store. */
    public record Tls(String caPem, boolean insecureSkipVerify) {

        public static final Tls DEFAULT = new Tls(null, false);

        @Override
        public String toString() {
            return insecureSkipVerify ? "no verification" : caPem == null ? "default trust" : "own CA";
        }
    }

    public PrometheusEndpoint {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        tls = tls == null ? Tls.DEFAULT : tls;
    }

    /** Plain HTTP, or https with the JVM's trust store, and at most an Authorization header. */
    public PrometheusEndpoint(String baseUrl, String authorization, Duration timeout) {
        this(baseUrl, authorization == null ? Map.of() : Map.of("Authorization", authorization), timeout, Tls.DEFAULT,
                null);
    }

    public String queryUrl() {
        return apiUrl("/api/v1/query");
    }

    /** An API path under the base address, e.g. "/api/v1/status/config". */
    public String apiUrl(String path) {
        return (baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl) + path;
    }

    @Override
    public String toString() {
        return "PrometheusEndpoint[" + baseUrl + ", timeout " + timeout + ", headers " + headers.keySet() + ", tls "
                + tls + "]";
    }
}
