package dev.aegis.canary.analysis;

import java.time.Duration;
import java.util.Map;

import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.MetricSpec;

/**
 * The queries one metric sends: its template rendered for the pods under test, and, for a metric that compares with
 * the primary, the same measure for the primary. Pure.
 *
 * @param canary the query on the canary
 * @param baseline the query on the primary, or null when the metric does not compare
 */
public record MetricQueries(String canary, String baseline) {

    /** A counts template's four queries: requests and failed, on the canary and on the primary. */
    public record CountQueries(String canaryRequests, String canaryFailed, String primaryRequests,
            String primaryFailed) {
    }

    /**
     * Renders a counts template (spec.counts) over the window the step has been watched.
     *
     * @throws QueryTemplate.TemplateException naming what is missing or wrong
     */
    public static CountQueries counts(String namespace, String canaryName, String target, Duration interval,
            Duration window, PodScope scope, MetricSpec metric, String templateName, AnalysisTemplateSpec template) {
        Map<String, String> builtIns = QueryVariables.builtIns(namespace, canaryName, target, interval, window,
                scope);
        Map<String, String> canary = QueryVariables.withArgs(builtIns, metric.getName(), templateName, template
                .getArgs(), metric.getArgs());
        Map<String, String> primary = QueryVariables.withArgs(QueryVariables.forPrimary(builtIns), metric.getName(),
                templateName, template.getArgs(), metric.getArgs());
        AnalysisTemplateSpec.CountsSpec c = template.getCounts();
        return new CountQueries(QueryTemplate.render(c.getRequests(), canary), QueryTemplate.render(c.getFailed(),
                canary), QueryTemplate.render(c.getRequests(), primary), QueryTemplate.render(c.getFailed(), primary));
    }

    /**
     * Renders a metric's template.
     *
     * @param target the target workload's name
     * @param templateName e.g. "AnalysisTemplate request-success-rate", for messages
     * @throws QueryTemplate.TemplateException naming what is missing or wrong
     */
    public static MetricQueries render(String namespace, String canaryName, String target, Duration interval,
            PodScope scope, MetricSpec metric, String templateName, AnalysisTemplateSpec template) {
        Map<String, String> builtIns = QueryVariables.builtIns(namespace, canaryName, target, interval, scope);
        String query = QueryTemplate.render(template.getQuery(), QueryVariables.withArgs(builtIns, metric.getName(),
                templateName, template.getArgs(), metric.getArgs()));
        if (metric.getCompare() == null) {
            return new MetricQueries(query, null);
        }
        // A template may say how to measure the primary; otherwise its query measures it with the primary's pods.
        String baseline = template.getBaselineQuery() != null
                ? QueryTemplate.render(template.getBaselineQuery(), QueryVariables.withArgs(builtIns,
                        metric.getName(), templateName, template.getArgs(), metric.getArgs()))
                : QueryTemplate.render(template.getQuery(), QueryVariables.withArgs(QueryVariables.forPrimary(
                        builtIns), metric.getName(), templateName, template.getArgs(), metric.getArgs()));
        return new MetricQueries(query, baseline);
    }
}
