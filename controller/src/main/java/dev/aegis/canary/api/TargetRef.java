package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class TargetRef {

    @Pattern("^apps/v1$")
    @JsonPropertyDescription("apps/v1.")
    private String apiVersion = "apps/v1";

    @Required
    @JsonPropertyDescription("Deployment, DaemonSet or StatefulSet.")
    private WorkloadKind kind;

    @Required
    @Pattern(Schema.NAME)
    @JsonPropertyDescription("The workload's name, in the Canary's namespace.")
    private String name;

    @Pattern(Schema.NAME)
    @JsonPropertyDescription("Optional, and if set the Canary's own namespace: a Canary never acts on another namespace's workloads.")
    private String namespace;

    public TargetRef() {
    }

    public TargetRef(WorkloadKind kind, String name) {
        this.kind = kind;
        this.name = name;
    }

    public String getApiVersion() {
        return apiVersion;
    }

    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    public WorkloadKind getKind() {
        return kind;
    }

    public void setKind(WorkloadKind kind) {
        this.kind = kind;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }
}
