package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NotificationProviderSpec {

    @Required
    @JsonPropertyDescription("slack, msteams, discord (their incoming-webhook formats) or webhook (aegis-canary's documented JSON).")
    private ProviderType type;

    @Required
    @JsonPropertyDescription("Secret in this namespace: key 'address' is the URL to post to; for type webhook, an optional key 'hmacKey' signs every payload (header X-Aegis-Signature).")
    private LocalObjectRef secretRef;

    @JsonPropertyDescription("Slack: the channel to post to, when the incoming webhook allows overriding it.")
    private String channel;

    @JsonPropertyDescription("Slack and Discord: the name the messages are posted under. Default aegis-canary.")
    private String username;

    @JsonPropertyDescription("The cluster's name shown in every message. Default: the controller's aegis.notify.cluster-name.")
    private String cluster;

    @Pattern(Schema.DURATION)
    @JsonPropertyDescription("How long one delivery attempt may take. Default: the controller's aegis.notify.timeout.")
    private String timeout;

    public ProviderType getType() {
        return type;
    }

    public void setType(ProviderType type) {
        this.type = type;
    }

    public LocalObjectRef getSecretRef() {
        return secretRef;
    }

    public void setSecretRef(LocalObjectRef secretRef) {
        this.secretRef = secretRef;
    }

    public String getChannel() {
        return channel;
    }

    public void setChannel(String channel) {
        this.channel = channel;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getCluster() {
        return cluster;
    }

    public void setCluster(String cluster) {
        this.cluster = cluster;
    }

    public String getTimeout() {
        return timeout;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    public enum ProviderType {
        slack, msteams, discord, webhook
    }
}
