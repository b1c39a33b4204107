package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.vertx.mutiny.core.Vertx;

import dev.aegis.canary.analysis.QueryResult.FailureKind;

/** The Prometheus client against a local HTTP server that answers the way a broken Prometheus would. */
class PrometheusClientTest {

    static Vertx vertx;
    static PrometheusClient client;
    static HttpServer server;
    static final Map<String, String> seen = new ConcurrentHashMap<>();
    static final CountDownLatch release = new CountDownLatch(1);

    @BeforeAll
    static void start() throws IOException {
        vertx = Vertx.vertx();
        client = new PrometheusClient(vertx);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/ok/api/v1/query", e -> {
            seen.put("query", URLDecoder.decode(e.getRequestURI().getRawQuery(), StandardCharsets.UTF_8));
            seen.put("authorization", String.valueOf(e.getRequestHeaders().getFirst("Authorization")));
            respond(e, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                    + "[{\"metric\":{},\"value\":[1700000000,\"99.5\"]}]}}");
        });
        server.createContext("/broken/api/v1/query", e -> respond(e, 500, "internal error"));
        server.createContext("/hangs/api/v1/query", e -> {
            try {
                release.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            respond(e, 200, "{}");
        });
        server.createContext("/trickles/api/v1/query", e -> {
            e.sendResponseHeaders(200, 0);
            try (OutputStream out = e.getResponseBody()) {
                for (int i = 0; i < 30; i++) {
                    out.write(' ');
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (InterruptedException | IOException ignored) {
                // the client gave up
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        release.countDown();
        server.stop(0);
        client.close();
        vertx.closeAndAwait();
    }

    static void respond(HttpExchange e, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        e.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String base(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    static QueryResult query(String url, String auth, Duration timeout) {
        return client.query(new PrometheusEndpoint(url, auth, timeout), "sum(up{job=\"a\"})",
                Instant.ofEpochSecond(1700000000)).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void sendsAnInstantQueryWithItsTimeTimeoutAndCredentials() {
        QueryResult r = query(base("/ok"), "Bearer s3cret", Duration.ofSeconds(2));
        assertThat(r).isEqualTo(new QueryResult.Sample(99.5));
        assertThat(seen.get("query")).isEqualTo("query=sum(up{job=\"a\"})&time=1700000000.000&timeout=2000ms");
        assertThat(seen.get("authorization")).isEqualTo("Bearer s3cret");
    }

    @Test
    void anHttpErrorIsAnErrorWithTheStatus() {
        assertThat(query(base("/broken"), null, Duration.ofSeconds(2)))
                .isEqualTo(new QueryResult.Failure(FailureKind.HTTP_STATUS, "HTTP 500: internal error"));
    }

    @Test
    void noAnswerWithinTheTimeoutIsATimeoutThatNamesItsSetting() {
        long start = System.nanoTime();
        QueryResult r = client.query(new PrometheusEndpoint(base("/hangs"), Map.of(), Duration.ofMillis(300), null,
                "AnalysisTemplate slow spec.prometheus.timeout"), "sum(up)", Instant.ofEpochSecond(1700000000))
                .await().atMost(Duration.ofSeconds(10));
        assertThat(r).isEqualTo(new QueryResult.Failure(FailureKind.TIMEOUT, "Prometheus at " + base("/hangs")
                + " did not answer within 300ms (AnalysisTemplate slow spec.prometheus.timeout)"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anAnswerThatTricklesPastTheTimeoutIsATimeout() {
        long start = System.nanoTime();
        QueryResult r = query(base("/trickles"), null, Duration.ofMillis(500));
        assertThat(((QueryResult.Failure) r).kind()).isEqualTo(FailureKind.TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aServerThatIsNotThereIsUnreachable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        QueryResult r = query("http://127.0.0.1:" + port, null, Duration.ofSeconds(2));
        assertThat(((QueryResult.Failure) r).kind()).isEqualTo(FailureKind.UNREACHABLE);
        assertThat(((QueryResult.Failure) r).reason()).as("the address once, and what went wrong")
                .isEqualTo("Prometheus at http://127.0.0.1:" + port + " unreachable: Connection refused");
    }

    @Test
    void theEndpointNeverPrintsItsCredentials() {
        assertThat(new PrometheusEndpoint("http://p:9090", "Bearer s3cret", Duration.ofSeconds(1)).toString())
                .doesNotContain("s3cret");
    }
}
