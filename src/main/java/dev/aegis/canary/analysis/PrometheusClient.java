package dev.aegis.canary.analysis;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.WebClient;

import dev.aegis.canary.analysis.QueryResult.FailureKind;

/**
 * Instant queries against the Prometheus HTTP API through the Vert.x WebClient (pooled connections, an explicit
 * timeout per query). Never fails: every fault becomes a {@link QueryResult.Failure} with its reason.
 */
@ApplicationScoped
public class PrometheusClient {

    private final WebClient web;

    public PrometheusClient(Vertx vertx) {
        this.web = WebClient.create(vertx, new WebClientOptions()
                .setUserAgent("aegis-canary")
                .setKeepAlive(true)
                .setMaxPoolSize(16)
                .setFollowRedirects(false));
    }

    /** Runs one instant query at {@code time}. */
    public Uni<QueryResult> query(PrometheusEndpoint endpoint, String promql, Instant time) {
        long timeoutMs = endpoint.timeout().toMillis();
        HttpRequest<io.vertx.mutiny.core.buffer.Buffer> request = web.getAbs(endpoint.queryUrl())
                .addQueryParam("query", promql)
                .addQueryParam("time", String.format(java.util.Locale.ROOT, "%.3f", time.toEpochMilli() / 1000.0))
                .addQueryParam("timeout", timeoutMs + "ms")
                .timeout(timeoutMs);
        if (endpoint.authorization() != null) {
            request.putHeader("Authorization", endpoint.authorization());
        }
        // The request timeout covers connecting and silences; this deadline bounds the whole answer.
        return request.send()
                .map(response -> PrometheusResponse.parse(response.statusCode(), response.bodyAsString()))
                .ifNoItem().after(endpoint.timeout()).fail()
                .onFailure().recoverWithItem(e -> failure(e, endpoint));
    }

    private static QueryResult failure(Throwable e, PrometheusEndpoint endpoint) {
        if (e instanceof TimeoutException || e instanceof io.netty.handler.timeout.TimeoutException
                || e.getClass().getSimpleName().contains("Timeout")) {
            return new QueryResult.Failure(FailureKind.TIMEOUT, "timeout: no answer from " + endpoint.baseUrl()
                    + " within " + endpoint.timeout().toMillis() + "ms");
        }
        if (e instanceof ConnectException || e instanceof UnknownHostException
                || e instanceof ConnectionPoolTooBusyException) {
            return new QueryResult.Failure(FailureKind.UNREACHABLE, "unreachable: " + endpoint.baseUrl() + " ("
                    + e.getMessage() + ")");
        }
        return new QueryResult.Failure(FailureKind.UNREACHABLE, "query to " + endpoint.baseUrl() + " failed: "
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    @PreDestroy
    void close() {
        web.close();
    }
}
