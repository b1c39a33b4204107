package dev.aegis.canary.notify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.NotificationProviderSpec.ProviderType;
import dev.aegis.canary.api.Severity;

/**
 * The JSON each kind of receiver expects for a {@link Notification}. Pure: no I/O, the same notification always gives
 * the same bytes (the webhook signature is over them).
 */
public final class Payloads {

    /** The kind of the generic webhook's payload; its fields are documented in docs/notifications.md. */
    public static final String WEBHOOK_KIND = "CanaryNotification";
    static final String DEFAULT_USERNAME = "aegis-canary";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Payloads() {
    }

    /** Where a message goes and under which name; {@code cluster} is shown in every message. */
    public record Target(ProviderType type, String cluster, String channel, String username) {
    }

    public static String render(Notification n, Target target) {
        Map<String, Object> body = switch (target.type()) {
            case slack -> slack(n, target);
            case msteams -> msteams(n, target);
            case discord -> discord(n, target);
            case webhook -> webhook(n, target);
        };
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a notification payload could not be written", e);
        }
    }

    /** The facts every chat message lists, in order: label → value, absent ones left out. */
    static List<Map.Entry<String, String>> facts(Notification n, String cluster) {
        List<Map.Entry<String, String>> facts = new ArrayList<>();
        add(facts, "Canary", n.namespace() + "/" + n.name());
        add(facts, "Cluster", cluster);
        add(facts, "Phase", n.previousPhase() == null || n.previousPhase() == n.phase()
                ? n.phase().name()
                : n.previousPhase() + " → " + n.phase());
        add(facts, "Target", n.targetKind() + " " + n.target());
        add(facts, "Step", n.stepText());
        add(facts, "Nodes", n.nodesText());
        add(facts, "Revision", change(n.stableRevision(), n.canaryRevision()));
        add(facts, "Image", change(n.stableImage(), n.canaryImage()));
        if (!n.failedMetrics().isEmpty()) {
            add(facts, "Failing", String.join("; ", n.failedMetrics().stream().map(Notification.FailedMetric::text)
                    .toList()));
        }
        return facts;
    }

    private static String change(String from, String to) {
        if (to == null) {
            return from;
        }
        return from == null || from.equals(to) ? to : from + " → " + to;
    }

    private static void add(List<Map.Entry<String, String>> facts, String label, String value) {
        if (value != null && !value.isBlank()) {
            facts.add(Map.entry(label, value));
        }
    }

    private static String icon(Severity severity) {
        return switch (severity) {
            case info -> ":large_blue_circle:";
            case warn -> ":warning:";
            case error -> ":red_circle:";
        };
    }

    /** Slack incoming webhook: a fallback text and Block Kit blocks. */
    static Map<String, Object> slack(Notification n, Target t) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (t.channel() != null) {
            body.put("channel", t.channel());
        }
        body.put("username", t.username() == null ? DEFAULT_USERNAME : t.username());
        body.put("text", slackEscape(n.headline() + ": " + n.message()));
        List<Object> blocks = new ArrayList<>();
        blocks.add(obj("type", "header", "text", obj("type", "plain_text", "text", n.headline())));
        blocks.add(obj("type", "section", "text", obj("type", "mrkdwn", "text",
                icon(n.severity()) + " " + slackEscape(n.message()))));
        List<Object> fields = new ArrayList<>();
        for (Map.Entry<String, String> f : facts(n, t.cluster())) {
            if (fields.size() < 10) { // Slack's limit per section
                fields.add(obj("type", "mrkdwn", "text", "*" + f.getKey() + "*\n" + slackEscape(f.getValue())));
            }
        }
        blocks.add(obj("type", "section", "fields", fields));
        blocks.add(obj("type", "context", "elements", List.of(obj("type", "mrkdwn", "text",
                "aegis-canary · " + n.time()))));
        body.put("blocks", blocks);
        return body;
    }

    /** Slack's mrkdwn treats &, < and > as markup. */
    private static String slackEscape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Microsoft Teams incoming webhook (Workflows or connector): one Adaptive Card. */
    static Map<String, Object> msteams(Notification n, Target t) {
        List<Object> facts = facts(n, t.cluster()).stream()
                .map(f -> (Object) obj("title", f.getKey(), "value", f.getValue())).toList();
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        card.put("type", "AdaptiveCard");
        card.put("version", "1.4");
        card.put("body", List.of(
                obj("type", "TextBlock", "size", "Medium", "weight", "Bolder", "text", n.headline(), "color",
                        n.severity() == Severity.error
                                ? "Attention"
                                : n.severity() == Severity.warn ? "Warning" : "Default"),
                obj("type", "TextBlock", "wrap", true, "text", n.message() == null ? "" : n.message()),
                obj("type", "FactSet", "facts", facts)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "message");
        body.put("attachments", List.of(obj("contentType", "application/vnd.microsoft.card.adaptive",
                "content", card)));
        return body;
    }

    /** Discord webhook: one embed coloured by severity. */
    static Map<String, Object> discord(Notification n, Target t) {
        List<Object> fields = facts(n, t.cluster()).stream()
                .map(f -> (Object) obj("name", f.getKey(), "value", truncate(f.getValue(), 1024), "inline",
                        f.getValue().length() <= 40))
                .toList();
        Map<String, Object> embed = new LinkedHashMap<>();
        embed.put("title", truncate(n.headline(), 256));
        embed.put("description", truncate(n.message() == null ? "" : n.message(), 4096));
        embed.put("color", switch (n.severity()) {
            case info -> 0x2F80ED;
            case warn -> 0xF2C94C;
            case error -> 0xEB5757;
        });
        embed.put("fields", fields.subList(0, Math.min(fields.size(), 25)));
        embed.put("timestamp", n.time().toString());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("username", t.username() == null ? DEFAULT_USERNAME : t.username());
        body.put("embeds", List.of(embed));
        return body;
    }

    /** A JSON object whose fields keep the order given: the same notification always renders the same bytes. */
    private static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    /** The generic webhook: every fact as a field, for machines. Documented field by field in docs/notifications.md. */
    static Map<String, Object> webhook(Notification n, Target t) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("apiVersion", Canary.GROUP + "/" + Canary.VERSION);
        body.put("kind", WEBHOOK_KIND);
        body.put("id", n.id());
        body.put("time", n.time().toString());
        body.put("cluster", t.cluster());
        body.put("namespace", n.namespace());
        body.put("name", n.name());
        body.put("target", obj("kind", n.targetKind(), "name", n.target()));
        body.put("phase", n.phase().name());
        body.put("previousPhase", n.previousPhase() == null ? null : n.previousPhase().name());
        body.put("severity", n.severity().name());
        body.put("message", n.message());
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("index", n.step());
        step.put("count", n.steps());
        step.put("weight", n.weight());
        step.put("effectiveWeight", n.effectiveWeight());
        body.put("step", n.step() == null ? null : step);
        body.put("nodes", n.totalNodes() == null
                ? null
                : obj("canary", n.canaryNodes() == null
                        ? 0
                        : n.canaryNodes(), "total", n.totalNodes()));
        Map<String, Object> revisions = new LinkedHashMap<>();
        revisions.put("stable", n.stableRevision());
        revisions.put("canary", n.canaryRevision());
        body.put("revisions", revisions);
        Map<String, Object> images = new LinkedHashMap<>();
        images.put("stable", n.stableImage());
        images.put("canary", n.canaryImage());
        body.put("images", images);
        body.put("failedMetrics", n.failedMetrics().stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("metric", f.metric());
            m.put("value", f.value());
            m.put("range", f.range());
            return m;
        }).toList());
        return body;
    }
}
