package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.AnalysisSpec;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.HookType;
import dev.aegis.canary.api.LocalObjectRef;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.RouterType;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.TrafficSpec;
import dev.aegis.canary.api.WebhookSpec;

/**
 * Bad input: the Canary gets phase Invalid with a message naming the field, a Warning Event, and no workload or route
 * is changed. The test server does not apply the CRD schema, so this is the controller's own validation, and it also
 * meets what only a bypassed schema lets through (a wrong type, an unknown enum value). The catalogue with the layer
 * that rejects each input is docs/bad-input.md.
 */
@QuarkusTest
class InvalidCanaryTest extends FleetTest {

    static final String TEMPLATE_API = "canary.aegis.dev/v1alpha1";

    /** @param create makes the Canary "podinfo" (and anything it needs besides the shared fixtures) */
    record Case(String name, Consumer<Fixtures> create, String message) {

        @Override
        public String toString() {
            return name;
        }
    }

    /** A Canary built from the fixtures' good one with one change. */
    static Case spec(String name, String target, Consumer<CanarySpec> change, String message) {
        return new Case(name, fx -> fx.canary("podinfo", target, change), message);
    }

    /** A Canary stored as JSON the controller's types cannot hold: what only a bypassed CRD schema lets through. */
    static Case raw(String name, Map<String, Object> spec, String message) {
        return new Case(name, fx -> fx.client.resource(new GenericKubernetesResourceBuilder()
                .withApiVersion(TEMPLATE_API).withKind("Canary")
                .withNewMetadata().withName("podinfo").withNamespace(fx.ns).endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build()).create(), message);
    }

    static Case metric(String name, String template, Map<String, String> args, String message) {
        return spec(name, "podinfo", spec -> {
            MetricSpec m = new MetricSpec("errors", new TemplateRef(template, null), new ThresholdRange(null, 1.0));
            m.setArgs(args);
            spec.getAnalysis().setMetrics(List.of(m));
        }, message);
    }

    static final Map<String, Object> TARGET = Map.of("kind", "Deployment", "name", "podinfo");

    static List<Case> cases() {
        return List.of(
                spec("target does not exist", "nope", spec -> {
                }, "spec.targetRef: Deployment 'nope' not found in namespace "),
                spec("target in another namespace", "podinfo", spec -> spec.getTargetRef().setNamespace("payments"),
                        "spec.targetRef.namespace must be the Canary's own namespace invalid-"),
                spec("steps not strictly increasing", "podinfo", spec -> spec.setSteps(List.of(1, 50, 10, 100)),
                        "spec.steps must be strictly increasing: steps[2] = 10 follows 50"),
                spec("steps not ending at 100", "podinfo", spec -> spec.setSteps(List.of(1, 10, 50)),
                        "spec.steps must end at 100, got 50"),
                spec("step of 0", "podinfo", spec -> spec.setSteps(List.of(0, 100)),
                        "spec.steps[0] must be in 1..100, got 0"),
                spec("step of 101", "podinfo", spec -> spec.setSteps(List.of(1, 101)),
                        "spec.steps[1] must be in 1..100, got 101"),
                spec("10,000 steps", "podinfo", spec -> spec.setSteps(IntStream.rangeClosed(1, 10_000).boxed()
                        .toList()), "spec.steps has 10000 entries; at most 100 are allowed"),
                raw("steps of the wrong type", Map.of("targetRef", TARGET, "steps", "ten"),
                        "spec.steps must be a list, got the string \"ten\""),
                raw("unknown router", Map.of("targetRef", TARGET, "traffic", Map.of("router", "istio")),
                        "spec.traffic.router must be one of replicas, nodes, gateway-api, nginx, got the string "
                                + "\"istio\""),
                raw("unknown target kind", Map.of("targetRef", Map.of("kind", "ReplicaSet", "name", "podinfo")),
                        "spec.targetRef.kind must be one of Deployment, DaemonSet, StatefulSet, got the string "
                                + "\"ReplicaSet\""),
                spec("router that does not fit the target", "podinfo", spec -> spec.setTraffic(router(
                        RouterType.NODES)), "spec.traffic.router nodes needs a DaemonSet target; a Deployment uses "
                                + "replicas, gateway-api or nginx, a StatefulSet replicas"),
                spec("HTTPRoute without a backendRef to the Service", "podinfo", spec -> {
                    TrafficSpec traffic = router(RouterType.GATEWAY_API);
                    traffic.setGatewayAPI(new TrafficSpec.GatewayApiTraffic());
                    traffic.getGatewayAPI().setHttpRouteRef(new LocalObjectRef("podinfo"));
                    spec.setTraffic(traffic);
                }, "spec.traffic.gatewayAPI.httpRouteRef: no rule of HTTPRoute 'podinfo' has a backendRef to Service "
                        + "podinfo; point a rule at it"),
                spec("interval not a duration", "podinfo", spec -> spec.getAnalysis().setInterval("5 minutes"),
                        "spec.analysis.interval: '5 minutes' is not a duration"),
                spec("interval of 10000h", "podinfo", spec -> spec.getAnalysis().setInterval("10000h"),
                        "spec.analysis.interval must be at most 24h, got 10000h"),
                spec("thresholdRange min over max", "podinfo", spec -> spec.getAnalysis().setMetrics(List.of(
                        new MetricSpec("errors", new TemplateRef("request-success-rate", null),
                                new ThresholdRange(99.0, 1.0)))),
                        "spec.analysis.metrics[0].thresholdRange.min (99.0) must not exceed max (1.0)"),
                spec("webhook to a file URL", "podinfo", spec -> spec.setWebhooks(List.of(new WebhookSpec("gate",
                        HookType.CONFIRM_ROLLOUT, "file:///etc/passwd"))),
                        "spec.webhooks[0].url must be an http or https URL, got 'file:///etc/passwd'"),
                metric("template missing", "missing", null,
                        "spec.analysis.metrics[0].templateRef: AnalysisTemplate 'missing' not found in namespace "),
                metric("template without a query", "empty", null,
                        "spec.analysis.metrics[0] (errors): AnalysisTemplate empty has no spec.query"),
                metric("template of the wrong type", "unreadable", null,
                        "spec.analysis.metrics[0].templateRef: AnalysisTemplate 'unreadable' cannot be read: "
                                + "spec.args must be a list, got the string \"service\""),
                metric("unknown variable in the template", "typo", null,
                        "spec.analysis.metrics[0] (errors): unknown variable {{canaryPod}}"),
                metric("PromQL syntax error in the template", "unclosed", null,
                        "spec.analysis.metrics[0] (errors): AnalysisTemplate unclosed is not valid PromQL: "
                                + "parse error"),
                metric("arg that tries to inject PromQL", "windowed", Map.of("range", "1m]) or vector(1) #"),
                        "spec.analysis.metrics[0] (errors): variable {{range}} is used outside a quoted string, "
                                + "where only names, numbers and durations are allowed; its value '1m]) or vector(1) "
                                + "#' is not one (put the placeholder inside \"...\")"),
                spec("arg outside what its template accepts", "podinfo", spec -> sequential(spec, "half"),
                        "spec.analysis.metrics[1] (slow-requests): metrics[slow-requests].args.bound: 'half' is not "
                                + "a number; the arg takes a decimal such as 0.5 or 100 (template AnalysisTemplate "
                                + "request-slow-counts)"),
                spec("undeclared arg", "podinfo", spec -> {
                    MetricSpec m = new MetricSpec("errors", new TemplateRef("request-success-rate", null),
                            new ThresholdRange(99.0, null));
                    m.setArgs(Map.of("service", "podinfo"));
                    spec.getAnalysis().setMetrics(List.of(m));
                }, "spec.analysis.metrics[0] (errors): metrics[errors].args.service is not declared by template "
                        + "AnalysisTemplate request-success-rate (declared: none)"));
    }

    /** The sequential judge on errors and on requests slower than {@code bound}. */
    static void sequential(CanarySpec spec, String bound) {
        spec.getAnalysis().setJudge(AnalysisSpec.JudgeType.sequential);
        MetricSpec slow = new MetricSpec("slow-requests", new TemplateRef("request-slow-counts", null), null);
        slow.setArgs(Map.of("bound", bound));
        spec.getAnalysis().setMetrics(List.of(new MetricSpec("errors", new TemplateRef("request-counts", null),
                null), slow));
    }

    static TrafficSpec router(RouterType router) {
        TrafficSpec traffic = new TrafficSpec();
        traffic.setRouter(router);
        return traffic;
    }

    /** What every case's namespace holds: the target (3 pods), templates good and bad, an HTTPRoute. */
    Fixtures world(String prefix) {
        Fixtures fx = new Fixtures(client, prefix);
        fx.applyShippedTemplates(List.of("generic/request-success-rate.yaml", "generic/request-duration-p99.yaml",
                "generic/request-counts.yaml", "generic/request-slow-counts.yaml"));
        fx.template("typo", "sum(rate(x{pod=~\"{{canaryPod}}\"}[1m]))");
        fx.template("unclosed", "sum(rate(http_requests_total{pod=~\"{{canaryPods}}\"}[1m])");
        AnalysisTemplateSpec windowed = new AnalysisTemplateSpec();
        windowed.setArgs(List.of(new AnalysisTemplateSpec.TemplateArg("range", "1m")));
        windowed.setQuery("sum(rate(http_requests_total{pod=~\"{{canaryPods}}\"}[{{range}}]))");
        AnalysisTemplate t = new AnalysisTemplate();
        t.getMetadata().setName("windowed");
        t.getMetadata().setNamespace(fx.ns);
        t.setSpec(windowed);
        client.resource(t).create();
        fx.template("empty", null);
        client.resource(new GenericKubernetesResourceBuilder().withApiVersion(TEMPLATE_API)
                .withKind("AnalysisTemplate")
                .withNewMetadata().withName("unreadable").withNamespace(fx.ns).endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("args", "service", "query", "up")))
                .build()).create();
        client.resource(new HTTPRouteBuilder()
                .withNewMetadata().withName("podinfo").withNamespace(fx.ns).endMetadata()
                .withNewSpec()
                .addNewRule().addNewBackendRef().withName("admin").withPort(8080).endBackendRef().endRule()
                .endSpec()
                .build()).create();
        fx.deployment("podinfo", "1.0.0", 3);
        return fx;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anInvalidCanaryIsReportedAndChangesNothing(Case c) {
        Fixtures fx = world("invalid");
        String deployment = Serialization.asJson(fx.deploymentNow("podinfo").getSpec());
        String route = version(client.resources(HTTPRoute.class).inNamespace(fx.ns).withName("podinfo").get());
        c.create().accept(fx);

        awaitInvalid(fx, "podinfo", c.message());

        // nothing changed: no primary, no Services, the target's spec and the route as they were
        assertThat(fx.deploymentNow("podinfo-primary")).isNull();
        assertThat(client.services().inNamespace(fx.ns).list().getItems()).isEmpty();
        assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isEqualTo(3);
        assertThat(Serialization.asJson(fx.deploymentNow("podinfo").getSpec())).isEqualTo(deployment);
        assertThat(version(client.resources(HTTPRoute.class).inNamespace(fx.ns).withName("podinfo").get()))
                .isEqualTo(route);
        assertThat(fx.events("podinfo")).extracting(Event::getReason).containsOnly("InvalidSpec");
    }

    @Test
    void aSecondCanaryOnATargetIsInvalidAndTheFirstKeepsWorking() {
        Fixtures fx = world("two");
        fx.canary("first", "podinfo", spec -> {
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> phase(fx, "first") == Phase.Ready);
        String primary = Serialization.asJson(fx.deploymentNow("podinfo-primary").getSpec());

        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(50, 100)));
        awaitInvalid(fx, "podinfo", "spec.targetRef: Deployment 'podinfo' is already the target of Canary 'first' "
                + "(created first); a workload can have one Canary: delete this one or point it at another workload");
        assertThat(Serialization.asJson(fx.deploymentNow("podinfo-primary").getSpec())).isEqualTo(primary);

        // the first still acts: a new version starts its run at its own first step
        fx.setImage("podinfo", "2.0.0");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            CanaryStatus s = fx.canaryNow("first").getStatus();
            return s.getPhase() == Phase.Progressing && Integer.valueOf(1).equals(s.getWeight());
        });
        assertThat(phase(fx, "podinfo")).isEqualTo(Phase.Invalid);
        assertThat(fx.events("podinfo")).extracting(Event::getReason).containsOnly("InvalidSpec");
    }

    @Test
    void anUnreadableCanaryDoesNotStopTheControllerActingOnOthers() {
        Fixtures fx = world("unreadable");
        raw("steps of the wrong type", Map.of("targetRef", TARGET, "steps", "ten"), "").create().accept(fx);
        fx.deployment("other", "1.0.0", 2);
        fx.canary("other", "other", spec -> {
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> phase(fx, "other") == Phase.Ready);
        awaitInvalid(fx, "podinfo", "spec.steps must be a list, got the string \"ten\"");
        assertThat(fx.deploymentNow("podinfo-primary")).isNull();
        assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isEqualTo(3);
        // the stored spec is as it was written: the controller wrote only the status
        GenericKubernetesResource stored = client.genericKubernetesResources(TEMPLATE_API, "Canary")
                .inNamespace(fx.ns).withName("podinfo").get();
        assertThat(stored.getAdditionalProperties().get("spec")).isEqualTo(Map.of("targetRef", TARGET, "steps",
                "ten"));
    }

    @ConfigProperty(name = "aegis.prometheus.url")
    String prometheusUrl;

    /**
     * A number that is no bucket bound of the histogram: the slow part of the query would match nothing. Once
     * Prometheus has the namespace's buckets, the Canary is Invalid at once, naming the metric, the arg and the
     * bounds there are, and nothing changes.
     */
    @Test
    void aBoundThatIsNoBucketOfTheHistogramMakesTheCanaryInvalid() {
        Fixtures fx = world("nobucket");
        String series = "http_request_duration_seconds_bucket{namespace=\"" + fx.ns + "\"}";
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).until(() -> http.send(HttpRequest.newBuilder(URI.create(prometheusUrl
                + "/api/v1/label/le/values?match[]=" + URLEncoder.encode(series, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString()).body().contains("\"0.5\""));
        fx.canary("podinfo", "podinfo", spec -> sequential(spec, "0.75"));

        awaitInvalid(fx, "podinfo", "spec.analysis.metrics[1] (slow-requests): metrics[slow-requests].args.bound: "
                + "'0.75' is not a value Prometheus has for label le of " + series + "; it has ");
        assertThat(fx.canaryNow("podinfo").getStatus().getMessage()).contains("0.5").contains("1.0")
                .contains("(template AnalysisTemplate request-slow-counts)");
        assertThat(fx.deploymentNow("podinfo-primary")).isNull();
        assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isEqualTo(3);
    }

    private void awaitInvalid(Fixtures fx, String canary, String message) {
        await().atMost(Duration.ofSeconds(30)).until(() -> phase(fx, canary) == Phase.Invalid);
        CanaryStatus s = fx.canaryNow(canary).getStatus();
        assertThat(s.getMessage()).startsWith("invalid: ").contains(message);
        assertThat(s.getConditions()).filteredOn(x -> "Ready".equals(x.getType())).singleElement()
                .satisfies(x -> {
                    assertThat(x.getStatus()).isEqualTo("False");
                    assertThat(x.getReason()).isEqualTo("Invalid");
                });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fx.events(canary))
                .filteredOn(e -> "InvalidSpec".equals(e.getReason())).singleElement()
                .satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getMessage()).contains(message);
                }));
    }

    private static Phase phase(Fixtures fx, String canary) {
        var c = fx.canaryNow(canary);
        return c == null || c.getStatus() == null ? null : c.getStatus().getPhase();
    }

    private static String version(HasMetadata object) {
        return object.getMetadata().getResourceVersion();
    }
}
