package dev.aegis.canary.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * docs/reference.md, the reference of the custom resources, rendered from the CRDs of deploy/crds: their names, printer
 * columns and, per top-level object (spec, status), one table of it and every field below it by full path (lists step
 * in with "[]") in schema order, with its type, description and constraints (the x-kubernetes-validations by their
 * messages). A pure function of the parsed CRDs; ReferenceDocTest compares it with the committed page.
 */
final class ReferenceDoc {

    /** The command that rewrites docs/reference.md, from the repository root. */
    static final String REGENERATE = "./mvnw -B -ntp -o test -pl controller -Dtest=ReferenceDocTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Daegis.docs.write=true";

    /** The order of the kinds on the page; a kind not named here follows these, by name. */
    private static final List<String> KIND_ORDER = List.of("Canary", "AnalysisTemplate", "ClusterAnalysisTemplate",
            "NotificationProvider");

    private ReferenceDoc() {
    }

    /** The CRDs of a directory (every *.yml and *.yaml), parsed. */
    static List<JsonNode> read(Path crdDir) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> files = Files.list(crdDir)) {
            List<JsonNode> crds = new ArrayList<>();
            for (Path f : files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml"))
                    .sorted().collect(Collectors.toList())) {
                crds.add(yaml.readTree(Files.readString(f)));
            }
            return crds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The page for these CRDs (the first version of each). */
    static String render(List<JsonNode> crds) {
        List<JsonNode> sorted = new ArrayList<>(crds);
        sorted.sort(Comparator.comparingInt((JsonNode c) -> rank(kind(c))).thenComparing(ReferenceDoc::kind));
        StringBuilder out = new StringBuilder();
        out.append("# Reference: the custom resources\n\n");
        out.append("Generated from the CRDs in deploy/crds by ReferenceDocTest; do not edit by hand. Regenerate with `")
                .append(REGENERATE).append("`.\n\n");
        for (JsonNode crd : sorted) {
            out.append("- [").append(kind(crd)).append("](#").append(anchor(heading(crd))).append(")\n");
        }
        for (JsonNode crd : sorted) {
            renderKind(crd, out);
        }
        return out.toString();
    }

    private static int rank(String kind) {
        int i = KIND_ORDER.indexOf(kind);
        return i < 0 ? KIND_ORDER.size() : i;
    }

    private static String kind(JsonNode crd) {
        return crd.path("spec").path("names").path("kind").asText();
    }

    private static String heading(JsonNode crd) {
        JsonNode spec = crd.path("spec");
        return kind(crd) + " (" + spec.path("group").asText() + "/"
                + spec.path("versions").path(0).path("name").asText()
                + ")";
    }

    /** GitHub's anchor of a heading: lower case, without punctuation other than '-', spaces as '-'. */
    static String anchor(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }

    private static void renderKind(JsonNode crd, StringBuilder out) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        JsonNode version = spec.path("versions").path(0);
        out.append("\n## ").append(heading(crd)).append("\n\n");
        List<String> about = new ArrayList<>();
        about.add(spec.path("scope").asText());
        about.add("plural " + code(names.path("plural").asText()));
        List<String> shortNames = texts(names.path("shortNames"));
        if (!shortNames.isEmpty()) {
            about.add((shortNames.size() == 1 ? "short name " : "short names ")
                    + shortNames.stream().map(ReferenceDoc::code).collect(Collectors.joining(", ")));
        }
        List<String> categories = texts(names.path("categories"));
        if (!categories.isEmpty()) {
            about.add("categories " + categories.stream().map(ReferenceDoc::code).collect(Collectors.joining(", ")));
        }
        List<String> subresources = new ArrayList<>();
        version.path("subresources").fieldNames().forEachRemaining(subresources::add);
        if (!subresources.isEmpty()) {
            about.add(
                    "subresources " + subresources.stream().map(ReferenceDoc::code).collect(Collectors.joining(", ")));
        }
        out.append(String.join("; ", about)).append(".\n");

        JsonNode columns = version.path("additionalPrinterColumns");
        if (columns.size() > 0) {
            boolean wide = false;
            boolean described = false;
            for (JsonNode c : columns) {
                wide |= c.path("priority").asInt() > 0;
                described |= !c.path("description").asText("").isEmpty();
            }
            out.append("\nColumns of `kubectl get ").append(names.path("plural").asText()).append('`')
                    .append(wide ? " (those marked wide only with `-o wide`)" : "").append(":\n\n");
            out.append(described
                    ? "| Column | Type | JSON path | Description |\n|---|---|---|---|\n"
                    : "| Column | Type | JSON path |\n|---|---|---|\n");
            for (JsonNode c : columns) {
                out.append("| ").append(cell(c.path("name").asText()))
                        .append(c.path("priority").asInt() > 0 ? " (wide)" : "").append(" | ")
                        .append(cell(c.path("type").asText())).append(" | ").append(code(c.path("jsonPath").asText()))
                        .append(described ? " | " + cell(c.path("description").asText("")) : "").append(" |\n");
            }
        }

        JsonNode root = version.path("schema").path("openAPIV3Schema");
        List<String> rootRequired = texts(root.path("required"));
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("properties").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> top = it.next();
            renderObject(top.getKey(), top.getValue(), rootRequired.contains(top.getKey()), out);
        }
    }

    /** A top-level object (spec, status): a table of it and all its fields. */
    private static void renderObject(String name, JsonNode schema, boolean required, StringBuilder out) {
        out.append("\n### ").append(name).append("\n\n");
        out.append("| Field | Type | Description | Allowed |\n|---|---|---|---|\n");
        List<String> rows = new ArrayList<>();
        rows.add(row(name, schema, required));
        fields(name, schema, rows);
        rows.forEach(out::append);
    }

    /** A row for every field below this object or list (depth first, in schema order). */
    private static void fields(String path, JsonNode schema, List<String> rows) {
        if (schema.has("items")) {
            fields(path + "[]", schema.path("items"), rows);
            return;
        }
        List<String> required = texts(schema.path("required"));
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            String fieldPath = path + "." + field.getKey();
            rows.add(row(fieldPath, field.getValue(), required.contains(field.getKey())));
            fields(fieldPath, field.getValue(), rows);
        }
    }

    private static String row(String path, JsonNode schema, boolean required) {
        return "| " + code(path) + " | " + cell(type(schema)) + " | " + cell(schema.path("description").asText(""))
                + " | " + String.join("<br>", allowed(schema, required)) + " |\n";
    }

    /** "string", "[]object", "map[string]string", ... */
    static String type(JsonNode schema) {
        if (schema.has("items")) {
            return "[]" + type(schema.path("items"));
        }
        if (schema.path("additionalProperties").isObject()) {
            return "map[string]" + type(schema.path("additionalProperties"));
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
            return "integer or string";
        }
        String type = schema.path("type").asText("");
        if (type.isEmpty()) {
            type = "any";
        }
        String format = schema.path("format").asText("");
        return format.isEmpty() ? type : type + " (" + format + ")";
    }

    /** What a field may hold, each item a Markdown cell fragment: required, enum, bounds, pattern, default, rules. */
    private static List<String> allowed(JsonNode s, boolean required) {
        List<String> a = new ArrayList<>();
        if (required) {
            a.add("**required**");
        }
        a.addAll(valueConstraints(s, ""));
        if (s.has("items")) {
            a.addAll(valueConstraints(s.path("items"), "each: "));
        }
        if (s.has("minProperties") || s.has("maxProperties")) {
            a.add(count("entries", s.path("minProperties"), s.path("maxProperties")));
        }
        if (s.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
            a.add("any fields");
        }
        if (s.has("default")) {
            a.add("default " + code(s.path("default").isTextual()
                    ? s.path("default").asText()
                    : s.path("default").toString()));
        }
        for (JsonNode rule : s.path("x-kubernetes-validations")) {
            String message = rule.path("message").asText("");
            a.add("Rule: " + (message.isEmpty() ? code(rule.path("rule").asText()) : cell(message)));
        }
        return a;
    }

    /** The constraints on a value (or, with a prefix, on each item of a list). */
    private static List<String> valueConstraints(JsonNode s, String prefix) {
        List<String> a = new ArrayList<>();
        if (s.has("enum")) {
            List<String> values = new ArrayList<>();
            for (JsonNode v : s.path("enum")) {
                values.add(code(v.isTextual() ? v.asText() : v.toString()));
            }
            a.add(prefix + "one of " + String.join(", ", values));
        }
        if (s.has("minimum") || s.has("maximum")) {
            a.add(prefix + bounds(s));
        }
        if (s.has("minLength") || s.has("maxLength")) {
            a.add(prefix + range("length", s.path("minLength"), s.path("maxLength")));
        }
        if (s.has("minItems") || s.has("maxItems")) {
            a.add(prefix + count("items", s.path("minItems"), s.path("maxItems")));
        }
        if (s.has("pattern")) {
            a.add(prefix + "pattern " + code(s.path("pattern").asText()));
        }
        if (!prefix.isEmpty() && s.has("x-kubernetes-validations")) {
            for (JsonNode rule : s.path("x-kubernetes-validations")) {
                String message = rule.path("message").asText("");
                a.add(prefix + "Rule: " + (message.isEmpty() ? code(rule.path("rule").asText()) : cell(message)));
            }
        }
        return a;
    }

    /** "1..100", "≥ 0", "< 5", ... */
    private static String bounds(JsonNode s) {
        boolean exclusiveMin = s.path("exclusiveMinimum").asBoolean();
        boolean exclusiveMax = s.path("exclusiveMaximum").asBoolean();
        if (s.has("minimum") && s.has("maximum") && !exclusiveMin && !exclusiveMax) {
            return number(s.path("minimum")) + ".." + number(s.path("maximum"));
        }
        List<String> b = new ArrayList<>();
        if (s.has("minimum")) {
            b.add((exclusiveMin ? "> " : "≥ ") + number(s.path("minimum")));
        }
        if (s.has("maximum")) {
            b.add((exclusiveMax ? "< " : "≤ ") + number(s.path("maximum")));
        }
        return String.join(", ", b);
    }

    /** "1..100 items", "≤ 20 items", "≥ 1 entries". */
    private static String count(String what, JsonNode min, JsonNode max) {
        if (!min.isMissingNode() && !max.isMissingNode()) {
            return number(min) + ".." + number(max) + " " + what;
        }
        return (min.isMissingNode() ? "≤ " + number(max) : "≥ " + number(min)) + " " + what;
    }

    /** "length 1..15", "length ≤ 63", "length ≥ 1". */
    private static String range(String what, JsonNode min, JsonNode max) {
        if (!min.isMissingNode() && !max.isMissingNode()) {
            return what + " " + number(min) + ".." + number(max);
        }
        return what + (min.isMissingNode() ? " ≤ " + number(max) : " ≥ " + number(min));
    }

    /** A number as written by a person: 1 for 1.0, 100000000 for 1.0E8. */
    private static String number(JsonNode n) {
        return n.isNumber()
                ? n.decimalValue().stripTrailingZeros().toPlainString()
                : new BigDecimal(n.asText()).stripTrailingZeros().toPlainString();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    /** Text for a table cell: one line, '|' escaped, and no HTML tags read into it ("<name>"). */
    static String cell(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ").replace("|", "\\|").replace("<", "\\<");
    }

    /** A code span, safe in a table cell: '|' escaped (GitHub unescapes it inside code spans of tables). */
    static String code(String text) {
        String fence = text.contains("`") ? "``" : "`";
        String pad = text.contains("`") ? " " : "";
        return fence + pad + text.replaceAll("\\s*\\R\\s*", " ").replace("|", "\\|") + pad + fence;
    }
}
