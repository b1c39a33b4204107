package dev.aegis.canary.demo;

import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * What the embedded API server needs of server-side apply, which fabric8's mock refuses (415): an apply becomes the
 * JSON patch that writes its outcome, where a field a manager applied before and leaves out now is removed (unless another manager's apply still holds
 * it, which the controller's one field manager never meets here), and {@code metadata.resourceVersion} in the applied
 * object is a precondition. Conflicts between managers are not modelled: the controller applies with force.
 */
public final class ServerSideApply {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The last object each manager applied, by object path and manager. */
    private final Map<String, JsonNode> applied = new ConcurrentHashMap<>();

    /**
     * A CRUD dispatcher that also applies: an apply is read against the object {@code crud} stores and handed to it as
     * the JSON patch that writes its outcome. For a test server whose store is fabric8's own.
     */
    public static Dispatcher wrap(Dispatcher crud) {
        ServerSideApply ssa = new ServerSideApply();
        return new Dispatcher() {

            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (!"PATCH".equals(request.getMethod()) || !isApply(request)) {
                    return crud.dispatch(request);
                }
                String path = request.getPath();
                String object = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
                MockResponse got = crud.dispatch(new RecordedRequest("GET " + object + " HTTP/1.1", HttpMethod.GET,
                        object, Headers.builder().build(), new Buffer()));
                String stored = got.code() == HttpURLConnection.HTTP_OK ? got.getBody().readUtf8() : null;
                Object rewritten = ssa.rewrite(request, stored);
                return rewritten instanceof RecordedRequest patch ? crud.dispatch(patch) : (MockResponse) rewritten;
            }

            @Override
            public void shutdown() {
                crud.shutdown();
            }
        };
    }

    static boolean isApply(RecordedRequest request) {
        String type = request.getHeader("Content-Type");
        return type != null && type.startsWith("application/apply-patch");
    }

    /**
     * The request as the merge patch that does what the apply does, or a 409 response when the applied
     * resourceVersion is not the stored one.
     *
     * @param stored the object as stored now (JSON), or null
     */
    Object rewrite(RecordedRequest request, String stored) {
        String path = request.getPath();
        int query = path.indexOf('?');
        String object = query < 0 ? path : path.substring(0, query);
        String manager = query < 0 ? "" : param(path.substring(query + 1), "fieldManager");
        try {
            ObjectNode body = (ObjectNode) JSON.readTree(request.getUtf8Body());
            JsonNode version = body.path("metadata").path("resourceVersion");
            if (!version.isMissingNode() && stored != null) {
                String current = JSON.readTree(stored).path("metadata").path("resourceVersion").asText();
                if (!version.asText().equals(current)) {
                    return new MockResponse().setResponseCode(HttpURLConnection.HTTP_CONFLICT).setBody(
                            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Conflict\","
                                    + "\"code\":409,\"message\":\"the object has been modified\"}");
                }
            }
            if (body.has("metadata")) {
                ((ObjectNode) body.get("metadata")).remove("resourceVersion");
            }
            JsonNode before = applied.put(object + "#" + manager, body.deepCopy());
            ObjectNode merged = stored == null ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(stored);
            if (before != null) {
                for (List<String> removed : leavesMissing(before, body, new ArrayList<>())) {
                    JsonNode at = merged;
                    for (String key : removed.subList(0, removed.size() - 1)) {
                        at = at == null ? null : at.get(key);
                    }
                    if (at instanceof ObjectNode parent) {
                        parent.remove(removed.get(removed.size() - 1));
                    }
                }
            }
            merge(merged, body);
            // The mock's merge patch keeps nulls: its JSON patch replaces each top-level member with the result.
            ArrayNode ops = JSON.createArrayNode();
            merged.fieldNames().forEachRemaining(key -> {
                if (!key.equals("apiVersion") && !key.equals("kind") && !key.equals("status")) {
                    ops.addObject().put("op", "add").put("path", "/" + key).set("value", merged.get(key));
                }
            });
            byte[] bytes = JSON.writeValueAsBytes(ops);
            return new RecordedRequest(request.getRequestLine(), request.method(), path, request.getHeaders()
                    .newBuilder().set("Content-Type", "application/json-patch+json")
                    .set("Content-Length", String.valueOf(bytes.length)).build(), new Buffer(bytes));
        } catch (java.io.IOException | ClassCastException e) {
            return new MockResponse().setResponseCode(HttpURLConnection.HTTP_BAD_REQUEST).setBody(
                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":400,\"message\":"
                            + JSON.valueToTree(e.getMessage()) + "}");
        }
    }

    /** RFC 7386 without nulls: objects merge, anything else replaces. */
    private static void merge(ObjectNode into, JsonNode from) {
        from.fields().forEachRemaining(field -> {
            JsonNode there = into.get(field.getKey());
            if (field.getValue().isObject() && there instanceof ObjectNode target) {
                merge(target, field.getValue());
            } else {
                into.set(field.getKey(), field.getValue().deepCopy());
            }
        });
    }

    /** Paths of the leaves of {@code before} that {@code now} does not have. */
    private static List<List<String>> leavesMissing(JsonNode before, JsonNode now, List<String> at) {
        List<List<String>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = before.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            List<String> path = new ArrayList<>(at);
            path.add(field.getKey());
            JsonNode there = now == null ? null : now.get(field.getKey());
            if (field.getValue().isObject() && field.getValue().size() > 0
                    && (there == null || there.isObject())) {
                // only the leaves this manager set go, never the objects around them that others fill too
                out.addAll(leavesMissing(field.getValue(), there, path));
            } else if (there == null) {
                out.add(path);
            }
        }
        return out;
    }

    private static String param(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return "";
    }
}
