package dev.aegis.canary.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The API server's audit log read back: what one user asked, and what of it was refused. */
final class Audit {

    /**
     * One request as the audit log records it: "verb requestURI", the resource it names, the answer's code and when
     * the server received it.
     */
    record Request(String verb, String uri, String resource, int code, Instant at) {

        @Override
        public String toString() {
            return verb + " " + uri + " -> " + code;
        }
    }

    private Audit() {
    }

    /** Read as a stream, each line parsed only if it names the user: by the suite's end the log is many megabytes. */
    static List<Request> requestsOf(ControlPlane plane, String user) {
        ObjectMapper json = new ObjectMapper();
        String named = "\"username\":\"" + user + "\"";
        List<Request> requests = new ArrayList<>();
        try (Stream<String> lines = Files.lines(plane.auditLog())) {
            for (String line : (Iterable<String>) lines.filter(l -> l.contains(named))::iterator) {
                JsonNode event = json.readTree(line);
                if (user.equals(event.path("user").path("username").asText())
                        && "ResponseComplete".equals(event.path("stage").asText())) {
                    requests.add(new Request(event.path("verb").asText(), event.path("requestURI").asText(),
                            event.path("objectRef").path("resource").asText(),
                            event.path("responseStatus").path("code").asInt(),
                            Instant.parse(event.path("requestReceivedTimestamp").asText())));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log " + plane.auditLog(), e);
        }
        return requests;
    }

    /** The requests of user refused as forbidden (403). */
    static List<Request> refused(ControlPlane plane, String user) {
        return refused(requestsOf(plane, user));
    }

    private static List<Request> refused(List<Request> requests) {
        return requests.stream().filter(r -> r.code() == 403).toList();
    }

    /**
     * Fails unless user made requests and none was refused: called after each test class on the real control plane,
     * over the audit log of the whole JVM so far, so the last one covers the suite.
     */
    static void assertNoneRefused(ControlPlane plane, String user) {
        List<Request> requests = requestsOf(plane, user);
        org.assertj.core.api.Assertions.assertThat(requests).as("requests of %s in %s", user, plane.auditLog())
                .isNotEmpty();
        org.assertj.core.api.Assertions.assertThat(refused(requests))
                .as("requests of %s refused (403) in %s", user, plane.auditLog()).isEmpty();
    }
}
