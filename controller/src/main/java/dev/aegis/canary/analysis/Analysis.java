package dev.aegis.canary.analysis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.smallrye.mutiny.Uni;

import dev.aegis.canary.api.AnalysisSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.HeaderSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.PrometheusSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.SecretKeyRef;
import dev.aegis.canary.api.AnalysisTemplateSpec.SecretRef;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.TemplateRef.TemplateKind;
import dev.aegis.canary.api.Unreadable;
import dev.aegis.canary.config.AegisConfig;
import dev.aegis.canary.config.Secrets;
import dev.aegis.canary.rollout.CheckOutcome;
import dev.aegis.canary.rollout.Durations;

/**
 * Runs a Canary's checks: resolves each metric's template, renders its query for the pods under test (and, for a
 * metric that compares, the same for the primary), asks Prometheus (all queries at once) and judges the answers.
 */
@ApplicationScoped
public class Analysis {

    private static final Logger LOG = Logger.getLogger(Analysis.class);
    /** Stand-ins for pod and node regexes when a template is rendered only to validate it. */
    private static final PodScope VALIDATION_SCOPE = new PodScope("^$", "^$", "^$", "^$");
    private static final int SYNTAX_CACHE_SIZE = 1000;

    private final PrometheusClient prometheus;
    private final KubernetesClient client;
    private final AegisConfig config;
    /** Queries already checked by Prometheus' parser: "" when valid, the parser's message when not. */
    private final Map<String, String> syntax = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > SYNTAX_CACHE_SIZE;
        }
    });

    public Analysis(PrometheusClient prometheus, KubernetesClient client, AegisConfig config) {
        this.prometheus = prometheus;
        this.client = client;
        this.config = config;
    }

    /** A metric with its template found. */
    public record ResolvedMetric(MetricSpec metric, String templateName, AnalysisTemplateSpec template) {

        /** The template counts requests: the sequential judge decides this metric. */
        public boolean counts() {
            return template.getCounts() != null;
        }
    }

    /** The Canary's metrics with their templates, or the reasons they cannot be used. */
    public record Resolution(List<ResolvedMetric> metrics, List<String> errors) {
    }

    /**
     * Finds every metric's template and renders its queries once with stand-in pod names, so a missing template, a
     * missing or undeclared arg, an unknown variable or a PromQL syntax error (by Prometheus' own parser, when it
     * answers) is reported before anything changes.
     *
     * @param templates looks a template up (from the informer caches); null when there is none
     * @param nodesRouter the nodes router gives queries canaryNodes and primaryNodes too
     */
    public Resolution resolve(Canary canary, Duration interval, Function<TemplateRef, AnalysisTemplateSpec> templates,
            boolean nodesRouter) {
        List<ResolvedMetric> resolved = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        boolean sequential = canary.getSpec().getAnalysis() != null
                && canary.getSpec().getAnalysis().getJudge() == AnalysisSpec.JudgeType.sequential;
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
            if (template instanceof Unreadable.Spec unreadable) {
                errors.add(field + ".templateRef: " + kind + " '" + ref.getName() + "' cannot be read: "
                        + unreadable.problem());
                continue;
            }
            ResolvedMetric m = new ResolvedMetric(metric, kind + " " + ref.getName(), template);
            try {
                endpointSettings(template, m.templateName());
                PodScope scope = nodesRouter ? VALIDATION_SCOPE : PodScope.pods("^$", "^$");
                if (template.getCounts() != null) {
                    countsMetric(m, sequential);
                    MetricQueries.CountQueries q = counts(canary, interval, interval, m, scope);
                    for (String query : List.of(q.canaryRequests(), q.canaryFailed(), q.primaryRequests(),
                            q.primaryFailed())) {
                        checkSyntax(m, query);
                    }
                } else {
                    if (template.getQuery() == null || template.getQuery().isBlank()) {
                        throw new QueryTemplate.TemplateException(m.templateName() + " has no spec.query");
                    }
                    if (metric.getThresholdRange() == null && metric.getCompare() == null) {
                        throw new QueryTemplate.TemplateException("needs thresholdRange, compare or both: "
                                + m.templateName() + " gives one value (only a template with spec.counts is judged "
                                + "by the sequential judge alone)");
                    }
                    MetricQueries queries = render(canary, interval, m, scope);
                    checkSyntax(m, queries.canary());
                    if (queries.baseline() != null) {
                        checkSyntax(m, queries.baseline());
                    }
                }
                checkLabelValues(canary, interval, m, scope);
                resolved.add(m);
            } catch (QueryTemplate.TemplateException | IllegalArgumentException e) {
                errors.add(field + " (" + metric.getName() + "): " + e.getMessage());
            }
        }
        if (sequential && errors.isEmpty() && resolved.stream().noneMatch(ResolvedMetric::counts)) {
            errors.add("spec.analysis.judge: sequential needs a metric whose template has spec.counts (requests and "
                    + "failed), e.g. AnalysisTemplate request-counts");
        }
        return new Resolution(resolved, errors);
    }

    /** A counts template is judged by the sequential judge alone. */
    private static void countsMetric(ResolvedMetric m, boolean sequential) {
        if (!sequential) {
            throw new QueryTemplate.TemplateException(m.templateName() + " counts requests (spec.counts): it needs "
                    + "spec.analysis.judge: sequential");
        }
        if (m.metric().getThresholdRange() != null || m.metric().getCompare() != null) {
            throw new QueryTemplate.TemplateException(m.templateName() + " counts requests: the sequential judge "
                    + "compares them with the primary's (spec.analysis.sequential.margin); remove thresholdRange "
                    + "and compare");
        }
    }

    private static MetricQueries.CountQueries counts(Canary canary, Duration interval, Duration window,
            ResolvedMetric m, PodScope scope) {
        return MetricQueries.counts(canary.getMetadata().getNamespace(), canary.getMetadata().getName(), canary
                .getSpec().getTargetRef().getName(), interval, window, scope, m.metric(), m.templateName(),
                m
                        .template());
    }

    private static MetricQueries render(Canary canary, Duration interval, ResolvedMetric m, PodScope scope) {
        return MetricQueries.render(canary.getMetadata().getNamespace(), canary.getMetadata().getName(),
                canary.getSpec().getTargetRef().getName(), interval, scope, m.metric(), m.templateName(),
                m.template());
    }

    /**
     * Asks Prometheus to parse the query (by running it once; the answer is remembered). Only a parse error is held
     * against the template: an unreachable Prometheus leaves the question for the next time.
     */
    private void checkSyntax(ResolvedMetric m, String query) {
        String known = syntax.get(query);
        if (known == null) {
            PrometheusEndpoint endpoint;
            try {
                endpoint = endpoint(null, m);
            } catch (IllegalArgumentException e) {
                return; // its Secret is checked when the query runs
            }
            QueryResult result = prometheus.query(endpoint, query, Instant.now()).await()
                    .atMost(endpoint.timeout().plus(Duration.ofSeconds(2)));
            if (result instanceof QueryResult.Failure f && f.kind() == QueryResult.FailureKind.HTTP_STATUS
                    && f.reason().contains("bad_data") && f.reason().contains("parse error")) {
                known = f.reason().substring(f.reason().indexOf("parse error"));
            } else if (result instanceof QueryResult.Failure f && f.kind() != QueryResult.FailureKind.SEVERAL_SERIES
                    && f.kind() != QueryResult.FailureKind.BAD_RESPONSE) {
                return;
            } else {
                known = "";
            }
            syntax.put(query, known);
        }
        if (!known.isEmpty()) {
            throw new QueryTemplate.TemplateException(m.templateName() + " is not valid PromQL: " + known);
        }
    }

    /** Label values Prometheus has, by address, label and selector, remembered for a while. */
    private final Map<String, Known<List<String>>> labelValues = new java.util.concurrent.ConcurrentHashMap<>();
    /** Scrape intervals Prometheus servers told, by address. */
    private final Map<String, Known<Duration>> scrapeIntervals = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Duration REMEMBER = Duration.ofMinutes(5);
    private static final Duration REMEMBER_UNKNOWN = Duration.ofSeconds(30);

    /** An answer and when it expires; a null value is "Prometheus did not say". */
    private record Known<T>(T value, Instant until) {
    }

    /**
     * Args that accept only the values Prometheus has for a label (a histogram's le bounds): a value it does not have
     * would make a query part match nothing. Checked when Prometheus answers with some values; an unreachable
     * Prometheus, or one with no such series yet, leaves the check to the queries (which then find no data).
     */
    private void checkLabelValues(Canary canary, Duration interval, ResolvedMetric m, PodScope scope) {
        List<AnalysisTemplateSpec.TemplateArg> declared = m.template().getArgs();
        if (declared == null || declared.stream().noneMatch(a -> a.getAccepts() != null
                && a.getAccepts().getLabelValues() != null)) {
            return;
        }
        Map<String, String> builtIns = QueryVariables.builtIns(canary.getMetadata().getNamespace(), canary
                .getMetadata().getName(), canary.getSpec().getTargetRef().getName(), interval, scope);
        Map<String, String> vars = QueryVariables.withArgs(builtIns, m.metric().getName(), m.templateName(),
                declared, m.metric().getArgs());
        for (AnalysisTemplateSpec.TemplateArg arg : declared) {
            AnalysisTemplateSpec.LabelValues lv = arg.getAccepts() == null ? null : arg.getAccepts().getLabelValues();
            if (lv == null) {
                continue;
            }
            String series = QueryTemplate.render(lv.getSeries(), builtIns);
            List<String> known = labelValues(canary, m, lv.getLabel(), series);
            String value = vars.get(arg.getName());
            String refused = known == null || known.isEmpty()
                    ? null
                    : ArgRules.labelRefusal(lv.getLabel(), series, known, value);
            if (refused != null) {
                throw new QueryTemplate.TemplateException("metrics[" + m.metric().getName() + "].args." + arg
                        .getName() + ": '" + value + "' " + refused + " (template " + m.templateName() + ")");
            }
        }
    }

    /** The address a metric's queries go to. */
    private String address(ResolvedMetric m) {
        PrometheusSpec p = m.template().getPrometheus();
        return p != null && p.getAddress() != null ? p.getAddress() : config.prometheus().url();
    }

    private List<String> labelValues(Canary canary, ResolvedMetric m, String label, String series) {
        return remembered(labelValues, address(m) + " " + label + " " + series, canary, m,
                endpoint -> PrometheusResponse
                        .labelValues(ask(endpoint, "/api/v1/label/" + label + "/values", Map.of("match[]", series))),
                values -> values != null && !values.isEmpty());
    }

    /**
     * What a Prometheus told, remembered for a while (briefly when it told nothing): asked at most that often, so
     * the template's Secrets are read no more often either.
     */
    private <T> T remembered(Map<String, Known<T>> memo, String key, Canary canary, ResolvedMetric m,
            java.util.function.Function<PrometheusEndpoint, T> ask, java.util.function.Predicate<T> told) {
        Known<T> known = memo.get(key);
        Instant now = Instant.now();
        if (known == null || now.isAfter(known.until())) {
            PrometheusEndpoint endpoint;
            try {
                endpoint = endpoint(canary, m);
            } catch (RuntimeException e) {
                return null; // its Secret is checked, and named, when the query runs
            }
            T value = ask.apply(endpoint);
            boolean fresh = told.test(value);
            if (!fresh && known != null && told.test(known.value())) {
                value = known.value(); // a Prometheus that does not answer now has not changed its mind
            }
            known = new Known<>(value, now.plus(fresh ? REMEMBER : REMEMBER_UNKNOWN));
            memo.put(key, known);
        }
        return known.value();
    }

    private String ask(PrometheusEndpoint endpoint, String path, Map<String, String> params) {
        return prometheus.get(endpoint, path, params).await().atMost(endpoint.timeout().plus(Duration.ofSeconds(1)));
    }

    /**
     * How often the Prometheus servers this Canary's metrics ask scrape their targets (the longest, when several):
     * the setting aegis.prometheus.scrape-interval, else what each server's configuration says (global
     * scrape_interval, logged when asked), else aegis.prometheus.assumed-scrape-interval.
     */
    public Duration scrapeInterval(Canary canary, List<ResolvedMetric> metrics) {
        if (config.prometheus().scrapeInterval().isPresent()) {
            return config.prometheus().scrapeInterval().get();
        }
        Duration longest = null;
        for (ResolvedMetric m : metrics) {
            Duration told = scrapeInterval(canary, m);
            if (told != null && (longest == null || told.compareTo(longest) > 0)) {
                longest = told;
            }
        }
        return longest != null ? longest : config.prometheus().assumedScrapeInterval();
    }

    private Duration scrapeInterval(Canary canary, ResolvedMetric m) {
        return remembered(scrapeIntervals, address(m), canary, m, endpoint -> {
            Duration told = PrometheusResponse.scrapeInterval(ask(endpoint, "/api/v1/status/config", Map.of()));
            if (told != null) {
                LOG.infof("Prometheus at %s scrapes every %s (its global scrape_interval): queries look over at "
                        + "least %d of those", endpoint.baseUrl(), Durations.format(told),
                        dev.aegis.canary.rollout.RolloutPolicy.SCRAPES_PER_WINDOW);
            } else {
                LOG.infof("Prometheus at %s did not tell its scrape interval; what it told before stands, else %s "
                        + "(aegis.prometheus.assumed-scrape-interval; set aegis.prometheus.scrape-interval)",
                        endpoint.baseUrl(), Durations.format(config.prometheus().assumedScrapeInterval()));
            }
            return told;
        }, told -> told != null);
    }

    /** The primary's values at the previous check of this run, for metrics that compare with it. */
    public static Map<String, Double> lastBaselines(CanaryStatus status) {
        Map<String, Double> last = new java.util.HashMap<>();
        if (status != null && status.getLastAnalysis() != null) {
            status.getLastAnalysis().stream().filter(r -> r.getBaseline() != null)
                    .forEach(r -> last.put(r.getMetric(), r.getBaseline()));
        }
        return last;
    }

    /** Runs one check of every metric; blocks at most the longest query timeout. */
    public CheckOutcome run(Canary canary, Duration interval, List<ResolvedMetric> metrics, PodScope scope,
            Instant now) {
        return run(canary, interval, metrics, scope, Map.of(), now);
    }

    /**
     * @param lastBaselines each comparing metric's primary value at the previous check, by metric name
     */
    public CheckOutcome run(Canary canary, Duration interval, List<ResolvedMetric> metrics, PodScope scope,
            Map<String, Double> lastBaselines, Instant now) {
        return run(canary, interval, metrics, scope, lastBaselines, null, now);
    }

    /**
     * @param look what the sequential judge needs for counts metrics (which only the sequential judge resolves);
     *        null with the threshold judge
     */
    public CheckOutcome run(Canary canary, Duration interval, List<ResolvedMetric> metrics, PodScope scope,
            Map<String, Double> lastBaselines, Judge.Look look, Instant now) {
        List<Uni<MetricResult>> checks = new ArrayList<>();
        Duration longest = Duration.ZERO;
        for (ResolvedMetric m : metrics) {
            Judge.Criteria criteria = new Judge.Criteria(m.metric().getName(), m.metric().getThresholdRange(),
                    m.metric().getCompare(), m.metric().isDryRun());
            PrometheusEndpoint endpoint;
            Uni<MetricResult> check;
            try {
                endpoint = endpoint(canary, m);
                Double lastBaseline = lastBaselines.get(m.metric().getName());
                check = m.counts()
                        ? countsCheck(canary, interval, m, scope, endpoint, lastBaseline, look, now)
                        : valueCheck(canary, interval, m, criteria, scope, endpoint, lastBaseline, now);
            } catch (RuntimeException e) {
                QueryResult failed = new QueryResult.Failure(QueryResult.FailureKind.QUERY, e.getMessage());
                checks.add(Uni.createFrom().item(Judge.judge(criteria, failed, null, null, now)));
                continue;
            }
            if (endpoint.timeout().compareTo(longest) > 0) {
                longest = endpoint.timeout();
            }
            checks.add(check);
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
            List<MetricResult> errors = metrics.stream().map(m -> Judge.judge(new Judge.Criteria(m.metric()
                    .getName(), m.metric().getThresholdRange(), m.metric().getCompare(), m.metric().isDryRun()),
                    new QueryResult.Failure(QueryResult.FailureKind.TIMEOUT, "no answer within " + waited + ": "
                            + e.getMessage()),
                    null, null, now)).toList();
            return CheckOutcome.of(errors);
        }
    }

    private static Judge.Absence absence(ResolvedMetric m) {
        AnalysisTemplateSpec.CountsSpec c = m.template().getCounts();
        return new Judge.Absence(c.absentIsZero(AnalysisTemplateSpec.CountPart.requests), c.absentIsZero(
                AnalysisTemplateSpec.CountPart.failed));
    }

    private static String outcome(ResolvedMetric m) {
        String outcome = m.template().getCounts().getOutcome();
        return outcome == null ? "failed" : outcome;
    }

    /** A metric with one value: its query on the canary (and on the primary, when it compares), judged. */
    private Uni<MetricResult> valueCheck(Canary canary, Duration interval, ResolvedMetric m, Judge.Criteria criteria,
            PodScope scope, PrometheusEndpoint endpoint, Double lastBaseline, Instant now) {
        MetricQueries queries = render(canary, interval, m, scope);
        LOG.debugf("%s/%s: %s asks %s: %s", canary.getMetadata().getNamespace(), canary.getMetadata().getName(),
                m.metric().getName(), endpoint.baseUrl(), queries.canary());
        Uni<QueryResult> canaryResult = prometheus.query(endpoint, queries.canary(), now);
        Uni<QueryResult> baselineResult = queries.baseline() == null
                ? Uni.createFrom().nullItem()
                : prometheus.query(endpoint, queries.baseline(), now);
        return Uni.combine().all().unis(canaryResult, baselineResult).with((c, b) -> Judge.judge(criteria, c, b,
                lastBaseline, queries.canary(), now));
    }

    /** A counts metric: four counts over the window the step has been watched, judged sequentially. */
    private Uni<MetricResult> countsCheck(Canary canary, Duration interval, ResolvedMetric m, PodScope scope,
            PrometheusEndpoint endpoint, Double lastPrimary, Judge.Look look, Instant now) {
        MetricQueries.CountQueries q = counts(canary, interval, look.watched(), m, scope);
        LOG.debugf("%s/%s: %s asks %s: %s", canary.getMetadata().getNamespace(), canary.getMetadata().getName(),
                m.metric().getName(), endpoint.baseUrl(), q.canaryFailed());
        return Uni.combine().all().unis(prometheus.query(endpoint, q.canaryRequests(), now), prometheus.query(
                endpoint, q.canaryFailed(), now), prometheus.query(endpoint, q.primaryRequests(), now),
                prometheus
                        .query(endpoint, q.primaryFailed(), now))
                .with((cr, cf, pr, pf) -> Judge.judgeCounts(m
                        .metric().getName(), outcome(m), m.metric().isDryRun(), absence(m), new QueryResult[]{cr, cf},
                        new QueryResult[]{pr, pf}, lastPrimary, look, q.canaryFailed(), now));
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
        if (p.getHeaders() != null) {
            for (HeaderSpec h : p.getHeaders()) {
                if (h.getName() == null || (h.getValue() == null) == (h.getSecretKeyRef() == null)) {
                    throw new IllegalArgumentException(templateName + " spec.prometheus.headers: each needs a name "
                            + "and either value or secretKeyRef");
                }
            }
        }
    }

    /**
     * Where to send a metric's queries, with what credentials, headers and TLS.
     *
     * @param canary the Canary whose namespace holds a namespaced template's Secrets; null to resolve no Secret
     */
    private PrometheusEndpoint endpoint(Canary canary, ResolvedMetric m) {
        PrometheusSpec p = m.template().getPrometheus();
        String address = p != null && p.getAddress() != null ? p.getAddress() : config.prometheus().url();
        boolean ownTimeout = p != null && p.getTimeout() != null;
        Duration timeout = ownTimeout ? Durations.parse(p.getTimeout()) : config.prometheus().timeout();
        String timeoutSetting = ownTimeout ? m.templateName() + " spec.prometheus.timeout" : "aegis.prometheus.timeout";
        if (p == null) {
            return new PrometheusEndpoint(address, Map.of(), timeout, PrometheusEndpoint.Tls.DEFAULT, timeoutSetting);
        }
        boolean needsSecrets = p.getSecretRef() != null || (p.getTls() != null && p.getTls().getCaSecretRef() != null)
                || (p.getHeaders() != null && p.getHeaders().stream().anyMatch(h -> h.getSecretKeyRef() != null));
        if (canary == null && needsSecrets) {
            throw new IllegalArgumentException("the template's Secrets are read when it runs");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (p.getHeaders() != null) {
            for (HeaderSpec h : p.getHeaders()) {
                headers.put(h.getName(), h.getValue() != null
                        ? h.getValue()
                        : secretValue(canary, m, h.getSecretKeyRef().getName(), h.getSecretKeyRef().getNamespace(),
                                h.getSecretKeyRef().getKey(), "spec.prometheus.headers[" + h.getName() + "]"));
            }
        }
        if (p.getSecretRef() != null) {
            headers.put("Authorization", authorization(canary, m, p.getSecretRef()));
        }
        PrometheusEndpoint.Tls tls = PrometheusEndpoint.Tls.DEFAULT;
        if (p.getTls() != null) {
            SecretKeyRef ca = p.getTls().getCaSecretRef();
            tls = new PrometheusEndpoint.Tls(ca == null
                    ? null
                    : secretValue(canary, m, ca.getName(), ca.getNamespace(), ca.getKey(), "spec.prometheus.tls"),
                    p.getTls().isInsecureSkipVerify());
        }
        return new PrometheusEndpoint(address, headers, timeout, tls, timeoutSetting);
    }

    /** The Authorization header from the template's Secret: key token (bearer), or username and password. */
    private String authorization(Canary canary, ResolvedMetric m, SecretRef ref) {
        Secret secret = secret(canary, m, ref.getName(), ref.getNamespace(), "spec.prometheus.secretRef");
        String token = Secrets.value(secret, "token");
        if (token != null) {
            return "Bearer " + token.strip();
        }
        String user = Secrets.value(secret, "username");
        String password = Secrets.value(secret, "password");
        if (user != null && password != null) {
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
        }
        throw new IllegalArgumentException(m.templateName() + " spec.prometheus.secretRef: Secret "
                + secret.getMetadata().getName() + " needs key token, or username and password");
    }

    private String secretValue(Canary canary, ResolvedMetric m, String name, String namespace, String key,
            String field) {
        Secret secret = secret(canary, m, name, namespace, field);
        String value = Secrets.value(secret, key);
        if (value == null) {
            throw new IllegalArgumentException(m.templateName() + " " + field + ": Secret " + name + " has no key "
                    + key);
        }
        return value;
    }

    /**
     * A Secret a template names: in the Canary's namespace for an AnalysisTemplate; for a ClusterAnalysisTemplate in
     * the namespace the reference gives, or the controller's.
     */
    private Secret secret(Canary canary, ResolvedMetric m, String name, String namespace, String field) {
        boolean cluster = m.templateName().startsWith(TemplateKind.ClusterAnalysisTemplate.name());
        String ns = cluster
                ? (namespace != null ? namespace : client.getNamespace())
                : canary.getMetadata().getNamespace();
        Secret secret = client.secrets().inNamespace(ns).withName(name).get();
        if (secret == null) {
            throw new IllegalArgumentException(m.templateName() + " " + field + ": Secret " + ns + "/" + name
                    + " not found");
        }
        return secret;
    }

}
