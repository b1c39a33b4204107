package dev.aegis.canary.rollout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.aegis.canary.api.AnalysisSpec;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CompareSpec;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.RouterType;
import dev.aegis.canary.api.SequentialSpec;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.Unreadable;
import dev.aegis.canary.api.WebhookSpec;
import dev.aegis.canary.api.WorkloadKind;

/**
 * Checks a Canary spec without I/O and fills in defaults. It repeats what the CRD schema enforces, because a schema
 * can be bypassed (an older CRD, a test server) and bad input must never reach the workloads. Every message names the
 * field and what is allowed.
 */
public final class SpecValidator {

    /** Controller-wide defaults a Canary can override. */
    public record Defaults(Duration interval, Duration progressDeadline, int noDataLimit, int errorLimit,
            RouterType deploymentRouter) {

        public Defaults(Duration interval, Duration progressDeadline, int noDataLimit, int errorLimit) {
            this(interval, progressDeadline, noDataLimit, errorLimit, RouterType.REPLICAS);
        }
    }

    /** Either a policy or the reasons there is none. */
    public record Result(RolloutPolicy policy, List<String> errors) {

        public boolean valid() {
            return errors.isEmpty();
        }

        /** All errors in one line, for status, Events and the log. */
        public String message() {
            return String.join("; ", errors);
        }
    }

    private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    /**
     * The longest duration a Canary may set (interval, progressDeadline, dwell times): anything longer is a typo, and
     * would leave a split standing for weeks.
     */
    public static final Duration MAX_DURATION = Duration.ofHours(24);
    /** As the CRD schema's maxItems: more steps than percentages cannot be strictly increasing anyway. */
    private static final int MAX_STEPS = 100;
    /** Gates and check hooks are asked within a reconcile: each may hold it this long at most. */
    private static final Duration MAX_WEBHOOK_TIMEOUT = Duration.ofMinutes(1);

    private SpecValidator() {
    }

    public static Result validate(CanarySpec spec, Defaults defaults) {
        return validate(spec, null, defaults);
    }

    /** @param namespace the Canary's namespace, which its target must be in; null when not known */
    public static Result validate(CanarySpec spec, String namespace, Defaults defaults) {
        List<String> errors = new ArrayList<>();
        if (spec == null) {
            return new Result(null, List.of("spec is required"));
        }
        if (spec instanceof Unreadable.Spec unreadable) {
            return new Result(null, List.of(unreadable.problem()));
        }
        if (spec.getTargetRef() == null) {
            errors.add("spec.targetRef is required");
        } else {
            if (spec.getTargetRef().getName() == null || spec.getTargetRef().getName().isBlank()) {
                errors.add("spec.targetRef.name is required");
            }
            if (spec.getTargetRef().getKind() == null) {
                errors.add("spec.targetRef.kind is required: Deployment, DaemonSet or StatefulSet");
            }
            String targetNamespace = spec.getTargetRef().getNamespace();
            if (namespace != null && targetNamespace != null && !targetNamespace.equals(namespace)) {
                // A Canary acts with the controller's rights; a namespace's users must not reach into another.
                errors.add("spec.targetRef.namespace must be the Canary's own namespace " + namespace + " (or left "
                        + "out), got '" + targetNamespace + "'");
            }
            if (spec.getTargetRef().getApiVersion() != null && !"apps/v1".equals(spec.getTargetRef().getApiVersion())) {
                errors.add(
                        "spec.targetRef.apiVersion must be apps/v1, got '" + spec.getTargetRef().getApiVersion() + "'");
            }
        }
        List<Integer> steps = spec.getSteps() == null ? CanarySpec.DEFAULT_STEPS : spec.getSteps();
        validateSteps(steps, errors);
        RouterType router = routerOf(spec, defaults.deploymentRouter());
        if (router != null && spec.getTargetRef() != null && spec.getTargetRef().getKind() != null) {
            validateRouter(router, spec, errors);
        }
        if (spec.getService() != null) {
            Integer port = spec.getService().getPort();
            if (port == null || port < 1 || port > 65535) {
                errors.add("spec.service.port must be in 1..65535, got " + port);
            }
            String portName = spec.getService().getPortName();
            if (portName != null && (portName.length() > dev.aegis.canary.api.Schema.PORT_NAME_MAX_LENGTH
                    || !portName.matches(dev.aegis.canary.api.Schema.PORT_NAME))) {
                errors.add("spec.service.portName must be a port name (lowercase letters, digits and '-', at most 15, "
                        + "starting and ending with a letter or digit), got '" + portName + "'");
            }
            Integer targetPort = spec.getService().getTargetPort();
            if (targetPort != null && (targetPort < 1 || targetPort > 65535)) {
                errors.add("spec.service.targetPort must be in 1..65535, got " + targetPort);
            }
        }
        Duration progressDeadline = duration("spec.progressDeadline", spec.getProgressDeadline(),
                defaults.progressDeadline(), errors);
        AnalysisSpec analysis = spec.getAnalysis();
        Duration interval = duration("spec.analysis.interval", analysis == null ? null : analysis.getInterval(),
                defaults.interval(), errors);
        if (interval != null && interval.compareTo(MIN_INTERVAL) < 0) {
            errors.add("spec.analysis.interval must be at least 1s, got " + analysis.getInterval());
        }
        int failureLimit = 0;
        int noDataLimit = defaults.noDataLimit();
        int errorLimit = defaults.errorLimit();
        if (analysis != null) {
            if (analysis.getFailureLimit() != null) {
                failureLimit = analysis.getFailureLimit();
                if (failureLimit < 0) {
                    errors.add("spec.analysis.failureLimit must be 0 or more, got " + failureLimit);
                }
            }
            if (analysis.getNoDataLimit() != null) {
                noDataLimit = analysis.getNoDataLimit();
                if (noDataLimit < 1) {
                    errors.add("spec.analysis.noDataLimit must be 1 or more, got " + noDataLimit);
                }
            }
            if (analysis.getErrorLimit() != null) {
                errorLimit = analysis.getErrorLimit();
                if (errorLimit < 1) {
                    errors.add("spec.analysis.errorLimit must be 1 or more, got " + errorLimit);
                }
            }
            validateMetrics(analysis.getMetrics(), analysis.getJudge() == AnalysisSpec.JudgeType.sequential, errors);
        }
        SequentialPolicy sequential = sequential(analysis, errors);
        validateWebhooks(spec.getWebhooks(), errors);
        if (!errors.isEmpty()) {
            return new Result(null, List.copyOf(errors));
        }
        return new Result(new RolloutPolicy(steps, interval, progressDeadline, failureLimit, noDataLimit, errorLimit,
                sequential), List.of());
    }

    /** The router a Canary uses: the one it names, or the default for its target's kind. */
    public static RouterType routerOf(CanarySpec spec) {
        return routerOf(spec, RouterType.REPLICAS);
    }

    /** The same, with the controller's default router for Deployments (aegis.traffic.deployment-router). */
    public static RouterType routerOf(CanarySpec spec, RouterType deploymentDefault) {
        if (spec.getTraffic() != null && spec.getTraffic().getRouter() != null) {
            return spec.getTraffic().getRouter();
        }
        if (spec.getTargetRef() == null || spec.getTargetRef().getKind() == null) {
            return null;
        }
        return switch (spec.getTargetRef().getKind()) {
            case DaemonSet -> RouterType.NODES;
            case StatefulSet -> RouterType.REPLICAS;
            case Deployment -> deploymentDefault;
        };
    }

    private static void validateSteps(List<Integer> steps, List<String> errors) {
        if (steps.isEmpty()) {
            errors.add("spec.steps must not be empty; omit it for the default [1, 10, 50, 100]");
            return;
        }
        if (steps.size() > MAX_STEPS) {
            errors.add("spec.steps has " + steps.size() + " entries; at most " + MAX_STEPS + " are allowed");
            return;
        }
        for (int i = 0; i < steps.size(); i++) {
            Integer w = steps.get(i);
            if (w == null || w < 1 || w > 100) {
                errors.add("spec.steps[" + i + "] must be in 1..100, got " + w);
                return;
            }
            if (i > 0 && w <= steps.get(i - 1)) {
                errors.add("spec.steps must be strictly increasing: steps[" + i + "] = " + w + " follows "
                        + steps.get(i - 1));
                return;
            }
        }
        if (steps.get(steps.size() - 1) != 100) {
            errors.add("spec.steps must end at 100, got " + steps.get(steps.size() - 1));
        }
    }

    private static void validateRouter(RouterType router, CanarySpec spec, List<String> errors) {
        WorkloadKind kind = spec.getTargetRef().getKind();
        if (spec.getAutoscalerRef() != null) {
            if (kind == WorkloadKind.DaemonSet) {
                errors.add("spec.autoscalerRef needs a Deployment target; a DaemonSet runs one pod per node");
            } else if (kind == WorkloadKind.StatefulSet) {
                errors.add("spec.autoscalerRef needs a Deployment target; a StatefulSet is canaried in place, so an "
                        + "autoscaler of its own keeps scaling it and the canary's share follows its replicas");
            } else if (router == RouterType.REPLICAS) {
                // The split would be pod counts, which the autoscalers would keep undoing.
                errors.add("spec.autoscalerRef needs spec.traffic.router gateway-api or nginx: the replicas router "
                        + "splits traffic by pod counts, which an autoscaler sets");
            }
        }
        switch (router) {
            case REPLICAS -> {
                if (kind == WorkloadKind.DaemonSet) {
                    errors.add("spec.traffic.router replicas needs a Deployment or StatefulSet target; a DaemonSet "
                            + "uses nodes");
                }
            }
            case NODES -> {
                if (kind != WorkloadKind.DaemonSet) {
                    errors.add("spec.traffic.router nodes needs a DaemonSet target; a Deployment uses replicas, "
                            + "gateway-api or nginx, a StatefulSet replicas");
                }
            }
            case GATEWAY_API, NGINX -> {
                if (kind == WorkloadKind.DaemonSet) {
                    errors.add("spec.traffic.router " + router.value() + " needs a Deployment or StatefulSet target; "
                            + "a DaemonSet uses nodes");
                }
                if (spec.getService() == null) {
                    errors.add("spec.service is required by the " + router.value() + " router (it sends traffic to "
                            + "the Services <name>-primary and <name>-canary)");
                }
                var traffic = spec.getTraffic();
                if (router == RouterType.GATEWAY_API && (traffic == null || traffic.getGatewayAPI() == null
                        || traffic.getGatewayAPI().getHttpRouteRef() == null
                        || traffic.getGatewayAPI().getHttpRouteRef().getName() == null)) {
                    errors.add("spec.traffic.gatewayAPI.httpRouteRef.name is required by the gateway-api router");
                }
                if (router == RouterType.NGINX && (traffic == null || traffic.getNginx() == null
                        || traffic.getNginx().getIngressRef() == null
                        || traffic.getNginx().getIngressRef().getName() == null)) {
                    errors.add("spec.traffic.nginx.ingressRef.name is required by the nginx router");
                }
            }
        }
    }

    /** The sequential judge's settings, or null with the threshold judge (whose Canary must not set them). */
    private static SequentialPolicy sequential(AnalysisSpec analysis, List<String> errors) {
        SequentialSpec spec = analysis == null ? null : analysis.getSequential();
        if (analysis == null || analysis.getJudge() != AnalysisSpec.JudgeType.sequential) {
            if (spec != null) {
                errors.add("spec.analysis.sequential is set but spec.analysis.judge is not sequential; add judge: "
                        + "sequential or remove the settings");
            }
            return null;
        }
        if (spec == null) {
            spec = new SequentialSpec();
        }
        String at = "spec.analysis.sequential.";
        double margin = spec.getMargin() == null ? SequentialSpec.DEFAULT_MARGIN : spec.getMargin();
        if (!(margin >= 0 && margin <= 50)) {
            errors.add(at + "margin must be in 0..50 (percentage points), got " + spec.getMargin());
        }
        double confidence = spec.getConfidence() == null ? SequentialSpec.DEFAULT_CONFIDENCE : spec.getConfidence();
        if (!(confidence >= 50 && confidence <= 99.999)) {
            errors.add(at + "confidence must be in 50..99.999 (percent), got " + spec.getConfidence());
        }
        long minSamples = spec.getMinSamples() == null ? SequentialSpec.DEFAULT_MIN_SAMPLES : spec.getMinSamples();
        if (minSamples < 1) {
            errors.add(at + "minSamples must be 1 or more, got " + minSamples);
        }
        Duration minDwell = duration(at + "minDwell", spec.getMinDwell(), Durations.parse(
                SequentialSpec.DEFAULT_MIN_DWELL), errors);
        Duration maxDwell = duration(at + "maxDwell", spec.getMaxDwell(), Durations.parse(
                SequentialSpec.DEFAULT_MAX_DWELL), errors);
        if (minDwell != null && maxDwell != null && maxDwell.compareTo(minDwell) < 0) {
            errors.add(at + "maxDwell (" + Durations.format(maxDwell) + ") must not be shorter than minDwell ("
                    + Durations.format(minDwell) + ")");
        }
        if (analysis.getMetrics() == null || analysis.getMetrics().isEmpty()) {
            errors.add("spec.analysis.judge sequential needs a metric whose template has spec.counts");
        }
        return new SequentialPolicy(margin, confidence, minSamples, minDwell, maxDwell);
    }

    private static void validateMetrics(List<MetricSpec> metrics, boolean sequential, List<String> errors) {
        if (metrics == null) {
            return;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < metrics.size(); i++) {
            MetricSpec m = metrics.get(i);
            String at = "spec.analysis.metrics[" + i + "]";
            if (m.getName() == null || m.getName().isBlank()) {
                errors.add(at + ".name is required");
            } else if (m.getName().length() > MetricSpec.NAME_MAX_LENGTH) {
                errors.add(at + ".name must be at most " + MetricSpec.NAME_MAX_LENGTH + " characters, got "
                        + m.getName().length());
            } else if (!names.add(m.getName())) {
                errors.add(at + ".name '" + m.getName() + "' is used twice; metric names must be unique");
            }
            if (m.getTemplateRef() == null || m.getTemplateRef().getName() == null) {
                errors.add(at + ".templateRef.name is required");
            }
            ThresholdRange range = m.getThresholdRange();
            CompareSpec compare = m.getCompare();
            if (range == null && compare == null && !sequential) {
                // Under the sequential judge a metric without bounds is one whose template counts requests; the
                // template is checked when it is resolved.
                errors.add(at + " needs thresholdRange, compare or both");
            }
            if (range != null) {
                if (range.getMin() == null && range.getMax() == null) {
                    errors.add(at + ".thresholdRange needs min, max or both");
                } else if (range.getMin() != null && range.getMax() != null && range.getMin() > range.getMax()) {
                    errors.add(at + ".thresholdRange.min (" + range.getMin() + ") must not exceed max ("
                            + range.getMax() + ")");
                }
            }
            if (compare != null) {
                if (compare.getMaxIncrease() == null && compare.getMaxDecrease() == null
                        && compare.getMaxRatio() == null && compare.getMinRatio() == null) {
                    errors.add(at + ".compare needs maxIncrease, maxDecrease, maxRatio or minRatio");
                }
                for (Double bound : new Double[]{compare.getMaxIncrease(), compare.getMaxDecrease(),
                        compare.getMaxRatio(), compare.getMinRatio()}) {
                    if (bound != null && bound < 0) {
                        errors.add(at + ".compare bounds must not be negative, got " + bound);
                    }
                }
            }
        }
    }

    private static void validateWebhooks(List<WebhookSpec> hooks, List<String> errors) {
        if (hooks == null) {
            return;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < hooks.size(); i++) {
            WebhookSpec h = hooks.get(i);
            String at = "spec.webhooks[" + i + "]";
            if (h.getName() == null || h.getName().isBlank()) {
                errors.add(at + ".name is required");
            } else if (!names.add(h.getName())) {
                errors.add(at + ".name '" + h.getName() + "' is used twice; webhook names must be unique");
            }
            if (h.getType() == null) {
                errors.add(at + ".type is required: confirm-rollout, pre-rollout, rollout, confirm-traffic-increase, "
                        + "confirm-promotion, post-rollout or rollback");
            }
            if (httpUrl(h.getUrl()).isEmpty()) {
                errors.add(at + ".url must be an http or https URL, got " + (h.getUrl() == null
                        ? "nothing"
                        : "'" + h.getUrl() + "'"));
            }
            if (h.getTimeout() != null) {
                Duration t = duration(at + ".timeout", h.getTimeout(), Duration.ofSeconds(10), errors);
                if (t != null && t.compareTo(MAX_WEBHOOK_TIMEOUT) > 0) {
                    errors.add(at + ".timeout must be at most 1m (the controller waits for it), got "
                            + h.getTimeout());
                }
            }
        }
    }

    /** The text as an http or https URL with a host; empty for anything else (a file URL, no host, bad syntax). */
    public static java.util.Optional<java.net.URI> httpUrl(String text) {
        if (text == null) {
            return java.util.Optional.empty();
        }
        try {
            java.net.URI url = java.net.URI.create(text);
            boolean http = "http".equals(url.getScheme()) || "https".equals(url.getScheme());
            return http && url.getHost() != null ? java.util.Optional.of(url) : java.util.Optional.empty();
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private static Duration duration(String field, String text, Duration fallback, List<String> errors) {
        if (text == null) {
            return fallback;
        }
        try {
            Duration d = Durations.parse(text);
            if (d.isZero()) {
                errors.add(field + " must be more than 0, got " + text);
            } else if (d.compareTo(MAX_DURATION) > 0) {
                errors.add(field + " must be at most " + Durations.format(MAX_DURATION) + ", got " + text);
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            errors.add(field + ": " + e.getMessage());
            return null;
        }
    }
}
