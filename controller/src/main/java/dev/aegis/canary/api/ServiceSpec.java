package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {

    @Pattern(Schema.NAME)
    @JsonPropertyDescription("Base name of the Services; default: the target's name.")
    private String name;

    @Required
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("The port of the Services <name>, <name>-primary and <name>-canary.")
    private Integer port;

    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("The container port; default: port.")
    private Integer targetPort;

    @Pattern(Schema.PORT_NAME)
    @Size(min = 1, max = Schema.PORT_NAME_MAX_LENGTH)
    @JsonPropertyDescription("Name of the Service port; default: http.")
    private String portName;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public Integer getTargetPort() {
        return targetPort;
    }

    public void setTargetPort(Integer targetPort) {
        this.targetPort = targetPort;
    }

    public String getPortName() {
        return portName;
    }

    public void setPortName(String portName) {
        this.portName = portName;
    }
}
