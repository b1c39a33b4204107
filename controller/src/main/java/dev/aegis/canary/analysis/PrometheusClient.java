package dev.aegis.canary.analysis;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.WebClient;

import dev.aegis.canary.analysis.QueryResult.FailureKind;
import dev.aegis.canary.rollout.Durations;

/**
 * Instant queries against the Prometheus HTTP API through the Vert.x WebClient (pooled connections, an explicit
 * timeout per query). Never fails: every fault becomes a {@link QueryResult.Failure} with its reason.
 */
@ApplicationScoped
public class PrometheusClient {

    private final Vertx vertx;
    /** One pooled client per TLS setting: connections are reused across queries and Canaries. */
    private final Map<PrometheusEndpoint.Tls, WebClient> clients = new ConcurrentHashMap<>();

    public PrometheusClient(Vertx vertx) {
        this.vertx = vertx;
    }

    private WebClient client(PrometheusEndpoint.Tls tls) {
        return clients.computeIfAbsent(tls, t -> {
            WebClientOptions options = new WebClientOptions()
                    .setUserAgent("aegis-canary")
                    .setKeepAlive(true)
                    .setMaxPoolSize(16)
                    .setFollowRedirects(false);
            if (t.insecureSkipVerify()) {
                options.setTrustAll(true).setVerifyHost(false);
            } else if (t.caPem() != null) {
                options.setTrustOptions(
                        new PemTrustOptions().addCertValue(io.vertx.core.buffer.Buffer.buffer(t.caPem())));
            }
            return WebClient.create(vertx, options);
        });
    }

    /** Runs one instant query at {@code time}. */
    public Uni<QueryResult> query(PrometheusEndpoint endpoint, String promql, Instant time) {
        long timeoutMs = endpoint.timeout().toMillis();
        HttpRequest<Buffer> request = client(endpoint.tls()).getAbs(endpoint.queryUrl())
                .addQueryParam("query", promql)
                .addQueryParam("time", String.format(java.util.Locale.ROOT, "%.3f", time.toEpochMilli() / 1000.0))
                .addQueryParam("timeout", timeoutMs + "ms")
                .timeout(timeoutMs);
        endpoint.headers().forEach(request::putHeader);
        // The request timeout covers connecting and silences; this deadline bounds the whole answer.
        return request.send()
                .map(response -> PrometheusResponse.parse(response.statusCode(), response.bodyAsString()))
                .ifNoItem().after(endpoint.timeout()).fail()
                .onFailure().recoverWithItem(e -> failure(e, endpoint));
    }

    /**
     * A GET of another API path (status, label values): the body of a 200 answer, or null for any other answer or
     * fault, since these only inform; never fails.
     */
    public Uni<String> get(PrometheusEndpoint endpoint, String path, Map<String, String> params) {
        long timeoutMs = endpoint.timeout().toMillis();
        HttpRequest<Buffer> request = client(endpoint.tls()).getAbs(endpoint.apiUrl(path)).timeout(timeoutMs);
        params.forEach(request::addQueryParam);
        endpoint.headers().forEach(request::putHeader);
        return request.send()
                .map(response -> response.statusCode() == 200 ? response.bodyAsString() : null)
                .ifNoItem().after(endpoint.timeout()).fail()
                .onFailure().recoverWithItem(e -> null);
    }

    /** The reason names Prometheus and its address, so a user reading status knows what did not answer. */
    private static QueryResult failure(Throwable e, PrometheusEndpoint endpoint) {
        String prometheus = "Prometheus at " + endpoint.baseUrl();
        if (e instanceof TimeoutException || e instanceof io.netty.handler.timeout.TimeoutException
                || e.getClass().getSimpleName().contains("Timeout")) {
            return new QueryResult.Failure(FailureKind.TIMEOUT, prometheus + " did not answer within "
                    + Durations.format(endpoint.timeout()) + (endpoint.timeoutSetting() == null
                            ? ""
                            : " (" + endpoint.timeoutSetting() + ")"));
        }
        if (e instanceof javax.net.ssl.SSLException || e.getCause() instanceof javax.net.ssl.SSLException) {
            return new QueryResult.Failure(FailureKind.UNREACHABLE, "TLS with " + prometheus + " failed: "
                    + e.getMessage());
        }
        if (e instanceof ConnectException || e instanceof UnknownHostException
                || e instanceof ConnectionPoolTooBusyException) {
            return new QueryResult.Failure(FailureKind.UNREACHABLE, prometheus + " unreachable: "
                    + withoutAddress(e.getMessage()));
        }
        return new QueryResult.Failure(FailureKind.UNREACHABLE, "query to " + prometheus + " failed: "
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    /** Netty ends a connect error with the address ("Connection refused: /127.0.0.1:9090"); the reason has it. */
    private static String withoutAddress(String message) {
        if (message == null) {
            return "no connection";
        }
        int at = message.lastIndexOf(": /");
        return at < 0 ? message : message.substring(0, at);
    }

    @PreDestroy
    void close() {
        clients.values().forEach(WebClient::close);
    }
}
