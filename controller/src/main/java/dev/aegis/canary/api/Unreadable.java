package dev.aegis.canary.api;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/**
 * A spec the API server stored but the controller cannot read: a wrong type ({@code steps: "ten"}) or a value no enum
 * has ({@code router: istio}), which only a bypassed or outdated CRD schema lets through. One such object must not
 * stop the informer that watches every object of its kind, so the spec is read as a stand-in that keeps the stored
 * JSON as it is (written back unchanged, so a clone or a patch diff sees the same object) and says which field is
 * wrong; the controller reports it as Invalid and changes nothing.
 */
public final class Unreadable {

    /** A spec that could not be read: the JSON as stored, and what is wrong with it. */
    public interface Spec {

        Found found();

        /** The field and what is wrong with it, e.g. {@code spec.steps must be a list, got the string "ten"}. */
        default String problem() {
            return found().problem();
        }

        /** Written back as it was stored, so a clone or a patch diff sees the same object. */
        @JsonValue
        default JsonNode raw() {
            return found().raw();
        }
    }

    /** The stored JSON of a spec that could not be read, and the problem. */
    public record Found(JsonNode raw, String problem) {
    }

    /** A Canary's spec that could not be read. */
    public static final class CanarySpecValue extends CanarySpec implements Spec {

        private final Found found;

        CanarySpecValue(Found found) {
            this.found = found;
        }

        @Override
        public Found found() {
            return found;
        }
    }

    /** An (Cluster)AnalysisTemplate's spec that could not be read. */
    public static final class TemplateSpecValue extends AnalysisTemplateSpec implements Spec {

        private final Found found;

        TemplateSpecValue(Found found) {
            this.found = found;
        }

        @Override
        public Found found() {
            return found;
        }
    }

    /** Reads a spec as usual, or, when it cannot be, as a stand-in naming the field. */
    abstract static class Reader<S> extends StdDeserializer<S> {

        Reader(Class<S> type) {
            super(type);
        }

        @Override
        @SuppressWarnings("unchecked")
        public S deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode node = p.readValueAsTree();
            try {
                return ctxt.readTreeAsValue(node, (Class<S>) handledType());
            } catch (DatabindException e) {
                return unreadable(new Found(node, problem("spec", e, node)));
            }
        }

        abstract S unreadable(Found found);
    }

    /** For {@code Canary.spec}. */
    public static final class CanarySpecReader extends Reader<CanarySpec> {

        public CanarySpecReader() {
            super(CanarySpec.class);
        }

        @Override
        CanarySpec unreadable(Found found) {
            return new CanarySpecValue(found);
        }
    }

    /** For {@code AnalysisTemplate.spec} and {@code ClusterAnalysisTemplate.spec}. */
    public static final class TemplateSpecReader extends Reader<AnalysisTemplateSpec> {

        public TemplateSpecReader() {
            super(AnalysisTemplateSpec.class);
        }

        @Override
        AnalysisTemplateSpec unreadable(Found found) {
            return new TemplateSpecValue(found);
        }
    }

    private Unreadable() {
    }

    /** The field (as a path from {@code root}) and what it should be; the value as found. */
    static String problem(String root, DatabindException e, JsonNode spec) {
        StringBuilder field = new StringBuilder(root);
        JsonNode value = spec;
        List<JsonMappingException.Reference> path = e instanceof JsonMappingException m ? m.getPath() : List.of();
        for (JsonMappingException.Reference r : path) {
            if (r.getFieldName() != null) {
                field.append('.').append(r.getFieldName());
                value = value == null ? null : value.get(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                field.append('[').append(r.getIndex()).append(']');
                value = value == null ? null : value.get(r.getIndex());
            }
        }
        String found = value == null ? "" : ", got " + describe(value);
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            Class<?> type = m.getTargetType();
            if (type.isEnum()) {
                return field + " must be one of " + String.join(", ", enumValues(type)) + found;
            }
            if (e instanceof InvalidFormatException || !(value == null || value.isNull())) {
                return field + " must be " + expected(type) + found;
            }
        }
        return field + " cannot be read" + found + ": " + e.getOriginalMessage();
    }

    /** What a field of this Java type holds, in a user's words: "a list", "an integer", "a string", ... */
    public static String expected(Class<?> type) {
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "a map of names to values";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        return "an object";
    }

    private static String describe(JsonNode value) {
        String text = value.toString();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return switch (value.getNodeType()) {
            case STRING -> "the string " + text;
            case NUMBER -> "the number " + text;
            case BOOLEAN -> text;
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            default -> text;
        };
    }

    /** The names users write: an enum constant's {@code @JsonProperty}, or its name. */
    private static List<String> enumValues(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Object constant : type.getEnumConstants()) {
            String name = ((Enum<?>) constant).name();
            try {
                Field f = type.getField(name);
                JsonProperty p = f.getAnnotation(JsonProperty.class);
                names.add(p == null || p.value().isEmpty() ? name : p.value());
            } catch (NoSuchFieldException e) {
                names.add(name);
            }
        }
        return names;
    }
}
