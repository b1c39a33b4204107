package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class TemplateRef {

    @Required
    @Pattern(Schema.NAME)
    @JsonPropertyDescription("The template's name.")
    private String name;

    /** AnalysisTemplate (in the Canary's namespace, the default) or ClusterAnalysisTemplate. */
    @JsonPropertyDescription("AnalysisTemplate (default: in the Canary's namespace) or ClusterAnalysisTemplate.")
    private TemplateKind kind;

    public TemplateRef() {
    }

    public TemplateRef(String name, TemplateKind kind) {
        this.name = name;
        this.kind = kind;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public TemplateKind getKind() {
        return kind;
    }

    public void setKind(TemplateKind kind) {
        this.kind = kind;
    }

    public enum TemplateKind {
        AnalysisTemplate, ClusterAnalysisTemplate
    }
}
