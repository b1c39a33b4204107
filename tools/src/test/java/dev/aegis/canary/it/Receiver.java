package dev.aegis.canary.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * A local HTTP endpoint standing in for Slack, Teams, Discord or a webhook: records every request it gets and answers
 * with the status the test chooses per attempt, or never answers.
 */
final class Receiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    record Request(String path, Map<String, List<String>> headers, String body) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile IntSupplier status = () -> 200;
    private volatile boolean hang;
    private volatile boolean stallBody;

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            synchronized (requests) {
                requests.add(new Request(exchange.getRequestURI().getPath(), Map.copyOf(exchange
                        .getRequestHeaders()), body));
            }
            if (stallBody) {
                exchange.sendResponseHeaders(200, 0); // headers now, a body that never ends
                exchange.getResponseBody().flush();
                try {
                    released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
                return;
            }
            if (hang) {
                try {
                    released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(status.getAsInt(), -1);
            exchange.close();
        });
        server.start();
    }

    /** Answers with these statuses, one per request, then 200. */
    Receiver answering(int... statuses) {
        int[] next = {0};
        status = () -> {
            synchronized (next) {
                return next[0] < statuses.length ? statuses[next[0]++] : 200;
            }
        };
        return this;
    }

    /** Answers every request from now on with this status. */
    Receiver answeringAlways(int status) {
        this.status = () -> status;
        return this;
    }

    /** Answers 200 at once, then never finishes the body (until closed). */
    Receiver stallingInTheBody() {
        stallBody = true;
        return this;
    }

    /** Reads every request and never answers (until closed). */
    Receiver hanging() {
        hang = true;
        return this;
    }

    /** The URL a Secret's 'address' holds; the path stands for the secret part of a Slack URL. */
    String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/services/T000/B000/secret-token";
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }
}
