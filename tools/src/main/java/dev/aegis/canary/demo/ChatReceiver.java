package dev.aegis.canary.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/** A stand-in for a Slack incoming webhook on a loopback port: the demo prints each message's headline. */
final class ChatReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;

    ChatReceiver(Consumer<String> print) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                JsonNode message = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                String step = "";
                for (JsonNode field : message.at("/blocks/2/fields")) {
                    String text = field.path("text").asText();
                    if (text.startsWith("*Step*\n")) {
                        step = " at step " + text.substring("*Step*\n".length());
                    }
                }
                print.accept("slack: " + message.at("/blocks/0/text/text").asText() + step);
            } catch (IOException | RuntimeException e) {
                print.accept("slack: unreadable message (" + e.getMessage() + ")");
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/services/demo";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
