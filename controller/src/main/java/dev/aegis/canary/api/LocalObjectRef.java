package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A reference to an object in the Canary's namespace. */
public class LocalObjectRef {

    @Required
    @Pattern(Schema.NAME)
    @JsonPropertyDescription("The object's name, in the Canary's namespace.")
    private String name;

    public LocalObjectRef() {
    }

    public LocalObjectRef(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
