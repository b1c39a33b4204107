package dev.aegis.canary.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.query) != has(self.counts)", message = "a template has query (one value) or counts (requests and failed), not both")
public class AnalysisTemplateSpec {

    @JsonPropertyDescription("Args a Canary passes in metrics[].args; an arg without a value must be given.")
    private List<TemplateArg> args;

    private PrometheusSpec prometheus;

    @Size(min = 1, max = 10000)
    @JsonPropertyDescription("PromQL with {{variable}} placeholders; the result must be one number. Either query or counts.")
    private String query;

    @JsonPropertyDescription("Two counts instead of one value, for the sequential judge: the requests served and how many failed (or were too slow), over {{window}}.")
    private CountsSpec counts;

    @Size(max = 10000)
    @JsonPropertyDescription("The same measure for the primary, for metrics that compare with it; default: the query with canaryPods, canaryNodes and target standing for the primary's.")
    private String baselineQuery;

    public CountsSpec getCounts() {
        return counts;
    }

    public void setCounts(CountsSpec counts) {
        this.counts = counts;
    }

    /**
     * Queries that count the pods' requests over the window the sequential judge has watched ({{window}}), each
     * rendered for the canary and for the primary.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class CountsSpec {

        @Required
        @Size(min = 1, max = 10000)
        @JsonPropertyDescription("PromQL: how many requests the pods served over {{window}}, e.g. sum(increase(...[{{window}}])).")
        private String requests;

        @Required
        @Size(min = 1, max = 10000)
        @JsonPropertyDescription("PromQL: how many of those failed (or were slower than a bound) over {{window}}.")
        private String failed;

        @Pattern("^[a-z][a-z -]{0,30}$")
        @JsonPropertyDescription("What the failed count counts, in words for status and notifications: failed (default), slow, ...")
        private String outcome;

        @JsonPropertyDescription("The counts whose query may legitimately match no series, meaning zero (an error counter never incremented has none). Any other count that matches no series is no data, never zero.")
        private List<CountPart> absentMeansZero;

        public CountsSpec() {
        }

        public List<CountPart> getAbsentMeansZero() {
            return absentMeansZero;
        }

        public void setAbsentMeansZero(List<CountPart> absentMeansZero) {
            this.absentMeansZero = absentMeansZero == null ? null : new ArrayList<>(absentMeansZero);
        }

        /** True when the count's query matching no series means zero. */
        public boolean absentIsZero(CountPart part) {
            return absentMeansZero != null && absentMeansZero.contains(part);
        }

        public String getOutcome() {
            return outcome;
        }

        public void setOutcome(String outcome) {
            this.outcome = outcome;
        }

        public CountsSpec(String requests, String failed) {
            this.requests = requests;
            this.failed = failed;
        }

        public String getRequests() {
            return requests;
        }

        public void setRequests(String requests) {
            this.requests = requests;
        }

        public String getFailed() {
            return failed;
        }

        public void setFailed(String failed) {
            this.failed = failed;
        }
    }

    public String getBaselineQuery() {
        return baselineQuery;
    }

    public void setBaselineQuery(String baselineQuery) {
        this.baselineQuery = baselineQuery;
    }

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

        @JsonPropertyDescription("Default value (may use the built-in variables, e.g. {{target}}); without one the arg is required.")
        private String value;

        @JsonPropertyDescription("What values make sense for this arg; a Canary giving another one is Invalid, naming the metric and the arg.")
        private ArgAccepts accepts;

        public TemplateArg() {
        }

        public ArgAccepts getAccepts() {
            return accepts;
        }

        public void setAccepts(ArgAccepts accepts) {
            this.accepts = accepts;
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

    /** The two counts of a counts template. */
    public enum CountPart {
        requests, failed
    }

    /** What an arg accepts; every condition given must hold. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ArgAccepts {

        /** The kind of value. */
        public enum ArgType {
            string, number, duration
        }

        @JsonPropertyDescription("string (default), number (a decimal such as 0.5 or 100) or duration (PromQL, such as 30s or 5m).")
        private ArgType type;

        @JsonPropertyDescription("The value must be one of these.")
        private List<String> values;

        @Size(max = 1000)
        @JsonPropertyDescription("A regular expression the whole value must match.")
        private String pattern;

        @JsonPropertyDescription("The value must be one Prometheus has for a label of some series, e.g. a histogram's le bucket bounds; checked when the Canary is validated, if Prometheus answers.")
        private LabelValues labelValues;

        public ArgType getType() {
            return type;
        }

        public void setType(ArgType type) {
            this.type = type;
        }

        public List<String> getValues() {
            return values;
        }

        public void setValues(List<String> values) {
            this.values = values == null ? null : new ArrayList<>(values);
        }

        public String getPattern() {
            return pattern;
        }

        public void setPattern(String pattern) {
            this.pattern = pattern;
        }

        public LabelValues getLabelValues() {
            return labelValues;
        }

        public void setLabelValues(LabelValues labelValues) {
            this.labelValues = labelValues;
        }
    }

    /** A label's values in Prometheus, among the series a selector matches. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class LabelValues {

        @Required
        @Pattern("^[a-zA-Z_][a-zA-Z0-9_]*$")
        @JsonPropertyDescription("The label, e.g. le.")
        private String label;

        @Required
        @Size(min = 1, max = 2000)
        @JsonPropertyDescription("A series selector (may use the built-in variables, e.g. {{namespace}}), e.g. http_request_duration_seconds_bucket{namespace=\"{{namespace}}\"}.")
        private String series;

        public LabelValues() {
        }

        public LabelValues(String label, String series) {
            this.label = label;
            this.series = series;
        }

        public String getLabel() {
            return label;
        }

        public void setLabel(String label) {
            this.label = label;
        }

        public String getSeries() {
            return series;
        }

        public void setSeries(String series) {
            this.series = series;
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

        @JsonPropertyDescription("TLS to an https address: a CA to trust, or (for tests only) no verification.")
        private TlsSpec tls;

        @JsonPropertyDescription("Extra request headers (e.g. a tenant for Thanos or Mimir); values inline or from a Secret.")
        private List<HeaderSpec> headers;

        public TlsSpec getTls() {
            return tls;
        }

        public void setTls(TlsSpec tls) {
            this.tls = tls;
        }

        public List<HeaderSpec> getHeaders() {
            return headers;
        }

        public void setHeaders(List<HeaderSpec> headers) {
            this.headers = headers == null ? null : new ArrayList<>(headers);
        }

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
    public static class TlsSpec {

        @JsonPropertyDescription("Secret with the CA certificate (PEM) that signed Prometheus' certificate.")
        private SecretKeyRef caSecretRef;

        @JsonPropertyDescription("Skips verifying Prometheus' certificate. Never in production.")
        private boolean insecureSkipVerify;

        public SecretKeyRef getCaSecretRef() {
            return caSecretRef;
        }

        public void setCaSecretRef(SecretKeyRef caSecretRef) {
            this.caSecretRef = caSecretRef;
        }

        public boolean isInsecureSkipVerify() {
            return insecureSkipVerify;
        }

        public void setInsecureSkipVerify(boolean insecureSkipVerify) {
            this.insecureSkipVerify = insecureSkipVerify;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(value = "has(self.value) != has(self.secretKeyRef)", message = "a header needs value or secretKeyRef, not both")
    public static class HeaderSpec {

        @Required
        @Pattern("^[A-Za-z0-9-]+$")
        private String name;

        private String value;

        private SecretKeyRef secretKeyRef;

        public HeaderSpec() {
        }

        public HeaderSpec(String name, String value) {
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

        public SecretKeyRef getSecretKeyRef() {
            return secretKeyRef;
        }

        public void setSecretKeyRef(SecretKeyRef secretKeyRef) {
            this.secretKeyRef = secretKeyRef;
        }
    }

    /** One key of a Secret; for a ClusterAnalysisTemplate, in the given namespace or the controller's. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class SecretKeyRef {

        @Required
        @Pattern(Schema.NAME)
        private String name;

        @Required
        private String key;

        private String namespace;

        public SecretKeyRef() {
        }

        public SecretKeyRef(String name, String key) {
            this.name = name;
            this.key = key;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getKey() {
            return key;
        }

        public void setKey(String key) {
            this.key = key;
        }

        public String getNamespace() {
            return namespace;
        }

        public void setNamespace(String namespace) {
            this.namespace = namespace;
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
