package dev.aegis.canary.analysis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.smallrye.mutiny.Uni;

import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.PrometheusSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.SecretRef;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.TemplateRef.TemplateKind;
import dev.aegis.canary.config.AegisConfig;
import dev.aegis.canary.rollout.CheckOutcome;
import dev.aegis.canary.rollout.Durations;

/**
 * Runs a Canary's checks: resolves each metric's template, renders the query for the pods under test, asks Prometheus
 * (all metrics at once) and judges the answers.
 */
@ApplicationScoped
public class Analysis {

    private static final Logger LOG = Logger.getLogger(Analysis.class);
    /** Stand-ins for pod and node regexes when a template is rendered only to validate it. */
    private static final PodScope VALIDATION_SCOPE = new PodScope("^$", "^$", "^$", "^$");

    private final PrometheusClient prometheus;
    private final KubernetesClient client;
    private final AegisConfig config;

    public Analysis(PrometheusClient prometheus, KubernetesClient client, AegisConfig config) {
        this.prometheus = prometheus;
        this.client = client;
        this.config = config;
    }

    /** A metric with its template found. */
    public record ResolvedMetric(MetricSpec metric, String templateName, AnalysisTemplateSpec template) {
    }

    /** The Canary's metrics with their templates, or the reasons they cannot be used. */
    public record Resolution(List<ResolvedMetric> metrics, List<String> errors) {
    }

    /**
     * Finds every metric's template and renders its query once with stand-in pod names, so a missing template, a
     * missing or undeclared arg or an unknown variable is reported before anything changes.
     *
     * @param templates looks a template up (from the informer caches); null when there is none
     * @param nodesRouter the nodes router gives queries canaryNodes and primaryNodes too
     */
    public Resolution resolve(Canary canary, Duration interval, Function<TemplateRef, AnalysisTemplateSpec> templates,
            boolean nodesRouter) {
        List<ResolvedMetric> resolved = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        List<MetricSpec> metrics = canary.getSpec().getAnalysis() == null
                || canary.getSpec().getAnalysis().getMetrics() == null
                        ? List.of()
                        : canary.getSpec().getAnalysis().getMetrics();
        for (int i = 0; i < metrics.size(); i++) {
            MetricSpec metric = metrics.get(i);
            String field = "spec.analysis.metrics[" + i + "]";
            TemplateRef ref = metric.getTemplateRef();
            String kind = ref.getKind() == null ? TemplateKind.AnalysisTemplate.name() : ref.getKind().name();
            AnalysisTemplateSpec template = templates.apply(ref);
            if (template == null) {
                errors.add(field + ".templateRef: " + kind + " '" + ref.getName() + "' not found"
                        + (ref.getKind() == TemplateKind.ClusterAnalysisTemplate
                                ? ""
                                : " in namespace " + canary.getMetadata().getNamespace()));
                continue;
            }
            String templateName = kind + " " + ref.getName();
            try {
                if (template.getQuery() == null || template.getQuery().isBlank()) {
                    throw new QueryTemplate.TemplateException(templateName + " has no spec.query");
                }
                endpointSettings(template, templateName);
                PodScope scope = nodesRouter ? VALIDATION_SCOPE : PodScope.pods("^$", "^$");
                Map<String, String> vars = QueryVariables.withArgs(builtIns(canary, interval, scope), metric.getName(),
                        templateName, template.getArgs(), metric.getArgs());
                QueryTemplate.render(template.getQuery(), vars);
                resolved.add(new ResolvedMetric(metric, templateName, template));
            } catch (QueryTemplate.TemplateException | IllegalArgumentException e) {
                errors.add(field + " (" + metric.getName() + "): " + e.getMessage());
            }
        }
        return new Resolution(resolved, errors);
    }

    /** Runs one check of every metric; blocks at most the longest query timeout. */
    public CheckOutcome run(Canary canary, Duration interval, List<ResolvedMetric> metrics, PodScope scope,
            Instant now) {
        List<Uni<MetricResult>> checks = new ArrayList<>();
        Duration longest = Duration.ZERO;
        for (ResolvedMetric m : metrics) {
            String query;
            PrometheusEndpoint endpoint;
            try {
                Map<String, String> vars = QueryVariables.withArgs(builtIns(canary, interval, scope),
                        m.metric().getName(), m.templateName(), m.template().getArgs(), m.metric().getArgs());
                query = QueryTemplate.render(m.template().getQuery(), vars);
                endpoint = endpoint(canary, m);
            } catch (RuntimeException e) {
                QueryResult failed = new QueryResult.Failure(QueryResult.FailureKind.QUERY, e.getMessage());
                checks.add(Uni.createFrom().item(Judge.judge(m.metric().getName(), m.metric().getThresholdRange(),
                        failed, null, now)));
                continue;
            }
            if (endpoint.timeout().compareTo(longest) > 0) {
                longest = endpoint.timeout();
            }
            LOG.debugf("%s/%s: %s asks %s: %s", canary.getMetadata().getNamespace(), canary.getMetadata().getName(),
                    m.metric().getName(), endpoint.baseUrl(), query);
            String sent = query;
            checks.add(prometheus.query(endpoint, query, now)
                    .map(result -> Judge.judge(m.metric().getName(), m.metric().getThresholdRange(), result, sent,
                            now)));
        }
        if (checks.isEmpty()) {
            return CheckOutcome.of(List.of());
        }
        try {
            List<MetricResult> results = Uni.join().all(checks).andFailFast().await()
                    .atMost(longest.plus(Duration.ofSeconds(2)));
            return CheckOutcome.of(results);
        } catch (RuntimeException e) {
            // Each query has its own deadline and never fails; this is a last guard, so a check is never lost.
            String waited = Durations.format(longest);
            List<MetricResult> errors = metrics.stream().map(m -> Judge.judge(m.metric().getName(),
                    m.metric().getThresholdRange(), new QueryResult.Failure(QueryResult.FailureKind.TIMEOUT,
                            "no answer within " + waited + ": " + e.getMessage()),
                    null, now)).toList();
            return CheckOutcome.of(errors);
        }
    }

    private Map<String, String> builtIns(Canary canary, Duration interval, PodScope scope) {
        return QueryVariables.builtIns(canary.getMetadata().getNamespace(), canary.getMetadata().getName(),
                canary.getSpec().getTargetRef().getName(), interval, scope);
    }

    /** Checks a template's address and timeout; throws with the field named. */
    private void endpointSettings(AnalysisTemplateSpec template, String templateName) {
        PrometheusSpec p = template.getPrometheus();
        if (p == null) {
            return;
        }
        if (p.getAddress() != null && !p.getAddress().matches("^https?://.+")) {
            throw new IllegalArgumentException(templateName + " spec.prometheus.address must be an http(s) URL, got '"
                    + p.getAddress() + "'");
        }
        if (p.getTimeout() != null) {
            try {
                Durations.parse(p.getTimeout());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(templateName + " spec.prometheus.timeout: " + e.getMessage());
            }
        }
    }

    private PrometheusEndpoint endpoint(Canary canary, ResolvedMetric m) {
        PrometheusSpec p = m.template().getPrometheus();
        String address = p != null && p.getAddress() != null ? p.getAddress() : config.prometheus().url();
        Duration timeout = p != null && p.getTimeout() != null
                ? Durations.parse(p.getTimeout())
                : config.prometheus().timeout();
        String authorization = p != null && p.getSecretRef() != null
                ? authorization(canary, m, p.getSecretRef())
                : null;
        return new PrometheusEndpoint(address, authorization, timeout);
    }

    /** The Authorization header from the template's Secret: key token (bearer), or username and password. */
    private String authorization(Canary canary, ResolvedMetric m, SecretRef ref) {
        boolean cluster = m.templateName().startsWith(TemplateKind.ClusterAnalysisTemplate.name());
        String namespace = cluster && ref.getNamespace() != null
                ? ref.getNamespace()
                : cluster ? client.getNamespace() : canary.getMetadata().getNamespace();
        Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
        if (secret == null) {
            throw new IllegalArgumentException(m.templateName() + " spec.prometheus.secretRef: Secret " + namespace
                    + "/" + ref.getName() + " not found");
        }
        String token = value(secret, "token");
        if (token != null) {
            return "Bearer " + token.strip();
        }
        String user = value(secret, "username");
        String password = value(secret, "password");
        if (user != null && password != null) {
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
        }
        throw new IllegalArgumentException(m.templateName() + " spec.prometheus.secretRef: Secret " + namespace + "/"
                + ref.getName() + " needs key token, or username and password");
    }

    private static String value(Secret secret, String key) {
        if (secret.getData() != null && secret.getData().get(key) != null) {
            return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
        }
        return secret.getStringData() == null ? null : secret.getStringData().get(key);
    }
}
