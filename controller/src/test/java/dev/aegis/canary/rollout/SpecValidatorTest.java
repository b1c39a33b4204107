package dev.aegis.canary.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.aegis.canary.api.AnalysisSpec;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.RouterType;
import dev.aegis.canary.api.TargetRef;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.TrafficSpec;
import dev.aegis.canary.api.WorkloadKind;

class SpecValidatorTest {

    static final SpecValidator.Defaults DEFAULTS = new SpecValidator.Defaults(Duration.ofMinutes(1),
            Duration.ofMinutes(10), 3, 3);

    static CanarySpec spec() {
        CanarySpec spec = new CanarySpec();
        spec.setTargetRef(new TargetRef(WorkloadKind.Deployment, "podinfo"));
        return spec;
    }

    @Test
    void fillsTheDefaults() {
        SpecValidator.Result r = SpecValidator.validate(spec(), DEFAULTS);
        assertThat(r.valid()).isTrue();
        assertThat(r.policy()).isEqualTo(new RolloutPolicy(List.of(1, 10, 50, 100), Duration.ofMinutes(1),
                Duration.ofMinutes(10), 0, 3, 3));
    }

    @Test
    void aStatefulSetIsRoutedByReplicasWhateverTheDefaultForDeploymentsOrByAWeightedRouterItNames() {
        CanarySpec spec = spec();
        spec.getTargetRef().setKind(WorkloadKind.StatefulSet);
        assertThat(SpecValidator.validate(spec, DEFAULTS).valid()).isTrue();
        CanarySpec nginx = spec();
        nginx.getTargetRef().setKind(WorkloadKind.StatefulSet);
        router(nginx, RouterType.NGINX);
        assertThat(SpecValidator.validate(nginx, DEFAULTS).message()).as("what nginx needs, as for a Deployment")
                .isEqualTo("spec.service is required by the nginx router (it sends traffic to the Services "
                        + "<name>-primary and <name>-canary); spec.traffic.nginx.ingressRef.name is required by the "
                        + "nginx router");
        assertThat(SpecValidator.routerOf(spec, RouterType.GATEWAY_API)).isEqualTo(RouterType.REPLICAS);
        assertThat(SpecValidator.routerOf(spec(), RouterType.GATEWAY_API)).isEqualTo(RouterType.GATEWAY_API);
    }

    @Test
    void takesTheCanarysOwnSettings() {
        CanarySpec spec = spec();
        spec.setSteps(List.of(5, 25, 100));
        spec.setProgressDeadline("2m");
        AnalysisSpec analysis = new AnalysisSpec();
        analysis.setInterval("30s");
        analysis.setFailureLimit(2);
        analysis.setNoDataLimit(5);
        analysis.setErrorLimit(4);
        spec.setAnalysis(analysis);
        assertThat(SpecValidator.validate(spec, DEFAULTS).policy())
                .isEqualTo(new RolloutPolicy(List.of(5, 25, 100), Duration.ofSeconds(30), Duration.ofMinutes(2), 2, 5,
                        4));
    }

    record Bad(String what, java.util.function.Consumer<CanarySpec> change, String message) {

        @Override
        public String toString() {
            return what;
        }
    }

    static List<Bad> badSpecs() {
        return List.of(
                new Bad("steps not increasing", s -> s.setSteps(List.of(1, 50, 10, 100)),
                        "spec.steps must be strictly increasing: steps[2] = 10 follows 50"),
                new Bad("steps repeating", s -> s.setSteps(List.of(10, 10, 100)),
                        "spec.steps must be strictly increasing: steps[1] = 10 follows 10"),
                new Bad("steps not ending at 100", s -> s.setSteps(List.of(1, 10, 50)),
                        "spec.steps must end at 100, got 50"),
                new Bad("step 0", s -> s.setSteps(List.of(0, 100)), "spec.steps[0] must be in 1..100, got 0"),
                new Bad("step 101", s -> s.setSteps(List.of(1, 101)), "spec.steps[1] must be in 1..100, got 101"),
                new Bad("10,000 steps", s -> s.setSteps(java.util.stream.IntStream.rangeClosed(1, 10_000).boxed()
                        .toList()), "spec.steps has 10000 entries; at most 100 are allowed"),
                new Bad("interval of 10000h", s -> analysis(s).setInterval("10000h"),
                        "spec.analysis.interval must be at most 24h, got 10000h"),
                new Bad("progressDeadline over a day", s -> s.setProgressDeadline("24h1s"),
                        "spec.progressDeadline must be at most 24h, got 24h1s"),
                new Bad("progressDeadline past what a duration holds", s -> s.setProgressDeadline(
                        "9999999999999999h"), "spec.progressDeadline: '9999999999999999h' is too large a duration"),
                new Bad("no steps", s -> s.setSteps(List.of()), "spec.steps must not be empty"),
                new Bad("no target", s -> s.setTargetRef(null), "spec.targetRef is required"),
                new Bad("no target kind", s -> s.getTargetRef().setKind(null), "spec.targetRef.kind is required"),
                new Bad("target apiVersion", s -> s.getTargetRef().setApiVersion("apps/v1beta1"),
                        "spec.targetRef.apiVersion must be apps/v1"),
                new Bad("bad deadline", s -> s.setProgressDeadline("10 minutes"),
                        "spec.progressDeadline: '10 minutes'"),
                new Bad("bad interval", s -> analysis(s).setInterval("1x"), "spec.analysis.interval: '1x'"),
                new Bad("interval too short", s -> analysis(s).setInterval("500ms"),
                        "spec.analysis.interval must be at least 1s"),
                new Bad("negative failureLimit", s -> analysis(s).setFailureLimit(-1),
                        "spec.analysis.failureLimit must be 0 or more"),
                new Bad("bad port name", s -> {
                    dev.aegis.canary.api.ServiceSpec svc = new dev.aegis.canary.api.ServiceSpec();
                    svc.setPort(80);
                    svc.setPortName("HTTP_Port");
                    s.setService(svc);
                }, "spec.service.portName must be a port name"),
                new Bad("port name over 15 characters", s -> {
                    dev.aegis.canary.api.ServiceSpec svc = new dev.aegis.canary.api.ServiceSpec();
                    svc.setPort(80);
                    svc.setPortName("a-very-long-name");
                    s.setService(svc);
                }, "spec.service.portName must be a port name"),
                new Bad("nodes router on a Deployment", s -> router(s, RouterType.NODES),
                        "spec.traffic.router nodes needs a DaemonSet target"),
                new Bad("metric without range", s -> analysis(s).setMetrics(List.of(new MetricSpec("m",
                        new TemplateRef("t", null), new ThresholdRange()))),
                        "spec.analysis.metrics[0].thresholdRange needs min, max or both"),
                new Bad("metric without range or compare", s -> analysis(s).setMetrics(List.of(new MetricSpec("m",
                        new TemplateRef("t", null), null))),
                        "spec.analysis.metrics[0] needs thresholdRange, compare or both"),
                new Bad("sequential settings without the sequential judge", s -> analysis(s).setSequential(
                        new dev.aegis.canary.api.SequentialSpec()),
                        "spec.analysis.sequential is set but spec.analysis.judge is not sequential"),
                new Bad("sequential maxDwell under minDwell", s -> {
                    analysis(s).setJudge(dev.aegis.canary.api.AnalysisSpec.JudgeType.sequential);
                    analysis(s).setMetrics(List.of(new MetricSpec("errors", new TemplateRef("request-counts", null),
                            null)));
                    dev.aegis.canary.api.SequentialSpec seq = new dev.aegis.canary.api.SequentialSpec();
                    seq.setMinDwell("2m");
                    seq.setMaxDwell("1m");
                    analysis(s).setSequential(seq);
                }, "spec.analysis.sequential.maxDwell (1m) must not be shorter than minDwell (2m)"),
                new Bad("sequential margin over 50", s -> {
                    analysis(s).setJudge(dev.aegis.canary.api.AnalysisSpec.JudgeType.sequential);
                    analysis(s).setMetrics(List.of(new MetricSpec("errors", new TemplateRef("request-counts", null),
                            null)));
                    dev.aegis.canary.api.SequentialSpec seq = new dev.aegis.canary.api.SequentialSpec();
                    seq.setMargin(60.0);
                    analysis(s).setSequential(seq);
                }, "spec.analysis.sequential.margin must be in 0..50 (percentage points), got 60.0"),
                new Bad("sequential judge without metrics", s -> analysis(s).setJudge(
                        dev.aegis.canary.api.AnalysisSpec.JudgeType.sequential),
                        "spec.analysis.judge sequential needs a metric whose template has spec.counts"),
                new Bad("compare without a bound", s -> {
                    MetricSpec m = new MetricSpec("m", new TemplateRef("t", null), null);
                    m.setCompare(new dev.aegis.canary.api.CompareSpec());
                    analysis(s).setMetrics(List.of(m));
                }, "spec.analysis.metrics[0].compare needs maxIncrease, maxDecrease, maxRatio or minRatio"),
                new Bad("metric with min over max", s -> analysis(s).setMetrics(List.of(new MetricSpec("m",
                        new TemplateRef("t", null), new ThresholdRange(5.0, 1.0)))),
                        "spec.analysis.metrics[0].thresholdRange.min (5.0) must not exceed max (1.0)"),
                new Bad("duplicate metric", s -> analysis(s).setMetrics(List.of(
                        new MetricSpec("m", new TemplateRef("t", null), new ThresholdRange(1.0, null)),
                        new MetricSpec("m", new TemplateRef("t", null), new ThresholdRange(1.0, null)))),
                        "spec.analysis.metrics[1].name 'm' is used twice"),
                new Bad("metric name over 63 characters", s -> analysis(s).setMetrics(List.of(new MetricSpec(
                        "m".repeat(64), new TemplateRef("t", null), new ThresholdRange(1.0, null)))),
                        "spec.analysis.metrics[0].name must be at most 63 characters, got 64"),
                new Bad("gateway-api without a route", s -> router(s, RouterType.GATEWAY_API),
                        "spec.traffic.gatewayAPI.httpRouteRef.name is required by the gateway-api router"),
                new Bad("nginx without a Service", s -> router(s, RouterType.NGINX),
                        "spec.service is required by the nginx router"),
                new Bad("nginx on a DaemonSet", s -> {
                    s.getTargetRef().setKind(WorkloadKind.DaemonSet);
                    router(s, RouterType.NGINX);
                }, "spec.traffic.router nginx needs a Deployment or StatefulSet target; a DaemonSet uses nodes"),
                new Bad("autoscaler under the replicas router", s -> s.setAutoscalerRef(
                        new dev.aegis.canary.api.LocalObjectRef("podinfo")),
                        "spec.autoscalerRef needs spec.traffic.router gateway-api or nginx: the replicas router "
                                + "splits traffic by pod counts, which an autoscaler sets"),
                new Bad("nodes on a StatefulSet", s -> {
                    s.getTargetRef().setKind(WorkloadKind.StatefulSet);
                    router(s, RouterType.NODES);
                }, "spec.traffic.router nodes needs a DaemonSet target"),
                new Bad("autoscaler on a StatefulSet", s -> {
                    s.getTargetRef().setKind(WorkloadKind.StatefulSet);
                    s.setAutoscalerRef(new dev.aegis.canary.api.LocalObjectRef("podinfo"));
                }, "spec.autoscalerRef needs a Deployment target; a StatefulSet is canaried in place"),
                new Bad("autoscaler on a DaemonSet", s -> {
                    s.getTargetRef().setKind(WorkloadKind.DaemonSet);
                    s.setAutoscalerRef(new dev.aegis.canary.api.LocalObjectRef("podinfo"));
                }, "spec.autoscalerRef needs a Deployment target"),
                new Bad("webhook without url", s -> s.setWebhooks(List.of(new dev.aegis.canary.api.WebhookSpec(
                        "gate", dev.aegis.canary.api.HookType.CONFIRM_ROLLOUT, null))),
                        "spec.webhooks[0].url must be an http or https URL, got nothing"),
                new Bad("webhook with a file url", s -> s.setWebhooks(List.of(new dev.aegis.canary.api.WebhookSpec(
                        "gate", dev.aegis.canary.api.HookType.ROLLOUT, "file:///etc/passwd"))),
                        "spec.webhooks[0].url must be an http or https URL, got 'file:///etc/passwd'"),
                new Bad("webhook without type", s -> s.setWebhooks(List.of(new dev.aegis.canary.api.WebhookSpec(
                        "gate", null, "http://gate"))), "spec.webhooks[0].type is required: confirm-rollout"),
                new Bad("duplicate webhook", s -> s.setWebhooks(List.of(
                        new dev.aegis.canary.api.WebhookSpec("g", dev.aegis.canary.api.HookType.ROLLOUT, "http://a"),
                        new dev.aegis.canary.api.WebhookSpec("g", dev.aegis.canary.api.HookType.ROLLBACK, "http://b"))),
                        "spec.webhooks[1].name 'g' is used twice"),
                new Bad("webhook timeout", s -> {
                    var h = new dev.aegis.canary.api.WebhookSpec("g", dev.aegis.canary.api.HookType.ROLLOUT,
                            "http://a");
                    h.setTimeout("soon");
                    s.setWebhooks(List.of(h));
                }, "spec.webhooks[0].timeout: 'soon'"),
                new Bad("webhook timeout too long", s -> {
                    var h = new dev.aegis.canary.api.WebhookSpec("g", dev.aegis.canary.api.HookType.ROLLOUT,
                            "http://a");
                    h.setTimeout("5m");
                    s.setWebhooks(List.of(h));
                }, "spec.webhooks[0].timeout must be at most 1m"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void rejectsBadSpecsNamingTheField(Bad bad) {
        CanarySpec spec = spec();
        bad.change().accept(spec);
        SpecValidator.Result r = SpecValidator.validate(spec, DEFAULTS);
        assertThat(r.valid()).isFalse();
        assertThat(r.policy()).isNull();
        assertThat(r.message()).contains(bad.message());
    }

    @Test
    void aTargetInAnotherNamespaceIsRefused() {
        CanarySpec spec = spec();
        spec.getTargetRef().setNamespace("payments");
        SpecValidator.Result r = SpecValidator.validate(spec, "edge", DEFAULTS);
        assertThat(r.valid()).isFalse();
        assertThat(r.message()).isEqualTo("spec.targetRef.namespace must be the Canary's own namespace edge (or left "
                + "out), got 'payments'");

        spec.getTargetRef().setNamespace("edge");
        assertThat(SpecValidator.validate(spec, "edge", DEFAULTS).valid()).isTrue();
    }

    @Test
    void aDayIsTheLongestDurationAllowed() {
        CanarySpec spec = spec();
        spec.setProgressDeadline("24h");
        analysis(spec).setInterval("1440m");
        assertThat(SpecValidator.validate(spec, DEFAULTS).valid()).isTrue();
    }

    @Test
    void aSpecThatCouldNotBeReadIsInvalidWithItsProblem() {
        dev.aegis.canary.api.Canary c = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                "{\"apiVersion\":\"canary.aegis.dev/v1alpha1\",\"kind\":\"Canary\",\"metadata\":{\"name\":\"c\"},"
                        + "\"spec\":{\"targetRef\":{\"kind\":\"Deployment\",\"name\":\"podinfo\"},\"steps\":\"ten\"}}",
                dev.aegis.canary.api.Canary.class);
        SpecValidator.Result r = SpecValidator.validate(c.getSpec(), "edge", DEFAULTS);
        assertThat(r.valid()).isFalse();
        assertThat(r.message()).isEqualTo("spec.steps must be a list, got the string \"ten\"");
    }

    private static AnalysisSpec analysis(CanarySpec spec) {
        if (spec.getAnalysis() == null) {
            spec.setAnalysis(new AnalysisSpec());
        }
        return spec.getAnalysis();
    }

    private static void router(CanarySpec spec, RouterType router) {
        TrafficSpec traffic = new TrafficSpec();
        traffic.setRouter(router);
        spec.setTraffic(traffic);
    }
}
