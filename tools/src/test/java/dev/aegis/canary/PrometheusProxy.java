package dev.aegis.canary;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A loopback HTTP proxy in front of a Prometheus, for the faults a test plays without touching the Prometheus other
 * tests share: every answer held back by a delay ({@link #delay}), or the port refusing connections ({@link #down}) until
 * {@link #up} listens on it again. A template whose {@code spec.prometheus.address} is {@link #url()} goes through it.
 */
public final class PrometheusProxy implements AutoCloseable {

    private final String upstream;
    private final int port;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private volatile HttpServer server;
    private volatile Duration delay = Duration.ZERO;
    private volatile String lastQuery;

    public PrometheusProxy(String upstream) {
        this.upstream = upstream;
        this.server = listen(0);
        this.port = server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public void delay(Duration delay) {
        this.delay = delay;
    }

    /** Stops listening: a connection to {@link #url()} is refused, as when Prometheus is down. */
    public synchronized void down() {
        server.stop(0);
    }

    /** Listens on the same port again. */
    public synchronized void up() {
        server = listen(port);
    }

    /** The query string of the last query request, decoded. */
    public String lastQuery() {
        return lastQuery;
    }

    private HttpServer listen(int on) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), on), 0);
            s.setExecutor(threads); // a held answer must not hold the next request
            s.createContext("/", this::forward);
            s.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("the Prometheus proxy cannot listen on 127.0.0.1:" + on, e);
        }
    }

    private void forward(HttpExchange e) throws IOException {
        try (e) {
            if (e.getRequestURI().getPath().endsWith("/api/v1/query")) {
                // The controller also asks for Prometheus' configuration (its scrape interval), with no query.
                lastQuery = URLDecoder.decode(e.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
            }
            Thread.sleep(delay.toMillis());
            HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(upstream + e.getRequestURI()))
                    .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            answer.headers().firstValue("Content-Type").ifPresent(t -> e.getResponseHeaders().set("Content-Type", t));
            e.sendResponseHeaders(answer.statusCode(), answer.body().length);
            try (OutputStream out = e.getResponseBody()) {
                out.write(answer.body());
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (IOException gone) {
            // the controller gave up waiting and closed the connection
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
