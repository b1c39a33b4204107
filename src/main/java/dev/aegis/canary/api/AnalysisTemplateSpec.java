package dev.aegis.canary.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AnalysisTemplateSpec {

    @JsonPropertyDescription("Args a Canary passes in metrics[].args; an arg without a value must be given.")
    private List<TemplateArg> args;

    private PrometheusSpec prometheus;

    @Required
    @Size(min = 1, max = 10000)
    @JsonPropertyDescription("PromQL with {{variable}} placeholders; the result must be one number.")
    private String query;

    public List<TemplateArg> getArgs() {
        return args;
    }

    public void setArgs(List<TemplateArg> args) {
        this.args = args == null ? null : new ArrayList<>(args);
    }

    public PrometheusSpec getPrometheus() {
        return prometheus;
    }

    public void setPrometheus(PrometheusSpec prometheus) {
        this.prometheus = prometheus;
    }

    public String getQuery() {
        return query;
    }

    public void setQuery(String query) {
        this.query = query;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class TemplateArg {

        @Required
        @Pattern("^[a-zA-Z_][a-zA-Z0-9_]*$")
        private String name;

        @JsonPropertyDescription("Default value; without one the arg is required.")
        private String value;

        public TemplateArg() {
        }

        public TemplateArg(String name, String value) {
            this.name = name;
            this.value = value;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getValue() {
            return value;
        }

        public void setValue(String value) {
            this.value = value;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class PrometheusSpec {

        @Pattern("^https?://.+")
        @JsonPropertyDescription("Prometheus base URL; default: the controller's aegis.prometheus.url.")
        private String address;

        @JsonPropertyDescription("Secret with key token (bearer), or username and password (basic auth).")
        private SecretRef secretRef;

        @Pattern(Schema.DURATION)
        @JsonPropertyDescription("Query timeout; default: aegis.prometheus.timeout.")
        private String timeout;

        public String getAddress() {
            return address;
        }

        public void setAddress(String address) {
            this.address = address;
        }

        public SecretRef getSecretRef() {
            return secretRef;
        }

        public void setSecretRef(SecretRef secretRef) {
            this.secretRef = secretRef;
        }

        public String getTimeout() {
            return timeout;
        }

        public void setTimeout(String timeout) {
            this.timeout = timeout;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class SecretRef {

        @Required
        @Pattern(Schema.NAME)
        private String name;

        @JsonPropertyDescription("Only for a ClusterAnalysisTemplate: the Secret's namespace (default: the controller's).")
        private String namespace;

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
}
