package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;

/** One place a Canary's news goes, and how much of it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NotificationRef {

    @Required
    @JsonPropertyDescription("A NotificationProvider in the Canary's namespace.")
    private LocalObjectRef providerRef;

    @JsonPropertyDescription("info: every phase change; warn: Invalid, Failed and rollbacks; error: rollbacks and failures only. Default info.")
    private Severity severity;

    public NotificationRef() {
    }

    public NotificationRef(String provider, Severity severity) {
        this.providerRef = new LocalObjectRef(provider);
        this.severity = severity;
    }

    public LocalObjectRef getProviderRef() {
        return providerRef;
    }

    public void setProviderRef(LocalObjectRef providerRef) {
        this.providerRef = providerRef;
    }

    public Severity getSeverity() {
        return severity;
    }

    public void setSeverity(Severity severity) {
        this.severity = severity;
    }
}
