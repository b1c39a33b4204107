package dev.aegis.canary.workload;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * A JSON patch (RFC 6902) of only the fields the controller owns, sent in one request and without a resourceVersion:
 * the controller's writes are idempotent, so a stale cache costs at most a repeated write, never a conflict, and
 * fields others set (Git's, through Flux) are never sent back. A patch that addresses list items by position is made
 * conditional on the version read instead ({@link #onVersion}).
 */
public final class JsonPatch {

    private final ArrayNode ops = JsonNodeFactory.instance.arrayNode();

    public static JsonPatch create() {
        return new JsonPatch();
    }

    /** Sets a field that exists, or adds it ("add" replaces an existing member too). */
    public JsonPatch set(String path, Object value) {
        ops.addObject().put("op", "add").put("path", path).set("value", toJson(value));
        return this;
    }

    /** Sets one annotation, creating the annotations map when the object has none. */
    public JsonPatch annotation(HasMetadata current, String key, String value) {
        Map<String, String> annotations = current.getMetadata().getAnnotations();
        if (annotations == null) {
            return set("/metadata/annotations", Map.of(key, value));
        }
        return set("/metadata/annotations/" + escape(key), value);
    }

    /**
     * Makes the patch apply only to the version read ({@code metadata.resourceVersion}): the API server refuses it with
     * 409 Conflict when another writer changed the object since. For patches that address list items by position.
     */
    public JsonPatch onVersion(HasMetadata read) {
        return set("/metadata/resourceVersion", read.getMetadata().getResourceVersion());
    }

    public JsonPatch remove(String path) {
        ops.addObject().put("op", "remove").put("path", path);
        return this;
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    /** Sends the patch to the object's current version on the server. */
    public void applyTo(KubernetesClient client, HasMetadata object) {
        if (isEmpty()) {
            return;
        }
        client.resource(object).patch(context(PatchType.JSON), ops.toString());
    }

    /** A patch of this type under the controller's field manager. */
    public static PatchContext context(PatchType type) {
        return new PatchContext.Builder().withPatchType(type).withFieldManager(Labels.FIELD_MANAGER).build();
    }

    /** JSON Pointer escaping (RFC 6901) of one path segment. */
    static String escape(String segment) {
        return segment.replace("~", "~0").replace("/", "~1");
    }

    private static JsonNode toJson(Object value) {
        return Serialization.jsonMapper().valueToTree(value);
    }

    @Override
    public String toString() {
        return ops.toString();
    }
}
