package dev.aegis.canary.api;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A lifecycle webhook: an HTTP endpoint the controller asks at a point of the run, and what its answer does. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WebhookSpec {

    @Required
    @Pattern(Schema.NAME)
    @JsonPropertyDescription("Unique among the Canary's webhooks; shown in status and messages.")
    private String name;

    @Required
    @JsonPropertyDescription("confirm-rollout, pre-rollout, rollout, confirm-traffic-increase, confirm-promotion, post-rollout or rollback.")
    private HookType type;

    @Required
    @Pattern("^https?://.+")
    @JsonPropertyDescription("Where the controller POSTs the JSON payload (http or https).")
    private String url;

    @Pattern(Schema.DURATION)
    @JsonPropertyDescription("How long the controller waits for an answer; no answer counts as a failure. Default 10s.")
    private String timeout;

    @JsonPropertyDescription("Sent as is in the payload's metadata.")
    private Map<String, String> metadata;

    public WebhookSpec() {
    }

    public WebhookSpec(String name, HookType type, String url) {
        this.name = name;
        this.type = type;
        this.url = url;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public HookType getType() {
        return type;
    }

    public void setType(HookType type) {
        this.type = type;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getTimeout() {
        return timeout;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    public Map<String, String> getMetadata() {
        return metadata;
    }

    public void setMetadata(Map<String, String> metadata) {
        this.metadata = metadata == null ? null : new LinkedHashMap<>(metadata);
    }
}
