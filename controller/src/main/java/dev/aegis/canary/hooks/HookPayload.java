package dev.aegis.canary.hooks;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.HookType;
import dev.aegis.canary.api.WebhookSpec;

/** The JSON a lifecycle webhook receives; documented field by field in docs/notifications.md. Pure. */
public final class HookPayload {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HookPayload() {
    }

    /**
     * @param canaryRevision the revision the call is about (for confirm-rollout, the one that would start)
     * @param steps the number of steps of the run
     */
    public static String render(String namespace, String name, WebhookSpec hook, CanaryStatus status,
            String canaryRevision, int steps) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("namespace", namespace);
        body.put("webhook", hook.getName());
        body.put("type", hook.getType() == null ? null : hook.getType().value());
        body.put("phase", status == null || status.getPhase() == null ? null : status.getPhase().name());
        body.put("canaryRevision", canaryRevision);
        body.put("checksum", canaryRevision); // the name Flagger's load tester and gates read
        body.put("stableRevision", status == null ? null : status.getStableRevision());
        boolean inRun = status != null && status.getStepIndex() != null && status.getWeight() != null
                && status.getWeight() > 0 && hook.getType() != HookType.CONFIRM_ROLLOUT;
        body.put("step", inRun ? status.getStepIndex() + 1 : null);
        body.put("steps", steps);
        body.put("weight", inRun ? status.getWeight() : 0);
        body.put("metadata", hook.getMetadata() == null ? Map.of() : hook.getMetadata());
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a webhook payload could not be written", e);
        }
    }
}
