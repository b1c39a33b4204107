package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.LocalObjectRef;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.RouterType;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.TrafficSpec;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * The gateway-api and nginx routers: exact weights at every step, 100/0 at the end, nothing else touched. Analysis
 * reads what the routers report (the shipped envoy and ingress-nginx templates), from the simulated routers that send
 * each request where the route's weights say.
 */
@QuarkusTest
class WeightedRoutersTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(90);

    /** HTTPRoute podinfo: "/" to Service podinfo, "/admin" to another Service. */
    static HTTPRoute route(Fixtures fx) {
        return fx.client.resource(new HTTPRouteBuilder()
                .withNewMetadata().withName("podinfo").withNamespace(fx.ns).endMetadata()
                .withNewSpec()
                .addNewParentRef().withName("edge-gateway").withNamespace("gateways").endParentRef()
                .withHostnames("podinfo.example")
                .addNewRule()
                .addNewMatch().withNewPath().withType("PathPrefix").withValue("/").endPath().endMatch()
                .addNewBackendRef().withName("podinfo").withPort(80).endBackendRef()
                .endRule()
                .addNewRule()
                .addNewMatch().withNewPath().withType("PathPrefix").withValue("/admin").endPath().endMatch()
                .addNewBackendRef().withName("admin").withPort(8080).withWeight(1).endBackendRef()
                .endRule()
                .endSpec()
                .build()).create();
    }

    static HTTPRoute routeNow(Fixtures fx) {
        return fx.client.resources(HTTPRoute.class).inNamespace(fx.ns).withName("podinfo").get();
    }

    /** "primary/canary" weights of the first rule, or the backends' names when the controller has not set them. */
    static String weights(HTTPRoute route) {
        List<HTTPBackendRef> refs = route.getSpec().getRules().get(0).getBackendRefs();
        if (refs.size() == 2 && refs.get(0).getName().endsWith("-primary")) {
            return refs.get(0).getWeight() + "/" + refs.get(1).getWeight();
        }
        return String.join(",", refs.stream().map(HTTPBackendRef::getName).toList());
    }

    static final List<String> ENVOY_TEMPLATES = List.of("envoy/envoy-success-rate.yaml",
            "envoy/envoy-latency-p99.yaml");

    Canary gatewayCanary(Fixtures fx, List<Integer> steps) {
        return fx.canary("podinfo", "podinfo", spec -> {
            spec.setSteps(steps);
            onGatewayApi(spec);
        });
    }

    /** The gateway-api router on HTTPRoute podinfo, checked with the shipped Envoy templates. */
    static void onGatewayApi(CanarySpec spec) {
        spec.getAnalysis().setMetrics(List.of(
                new MetricSpec("success-rate", new TemplateRef("envoy-success-rate", null),
                        new ThresholdRange(99.0, null)),
                new MetricSpec("latency-p99", new TemplateRef("envoy-latency-p99", null),
                        new ThresholdRange(null, 500.0))));
        TrafficSpec traffic = new TrafficSpec();
        traffic.setRouter(RouterType.GATEWAY_API);
        TrafficSpec.GatewayApiTraffic gw = new TrafficSpec.GatewayApiTraffic();
        gw.setHttpRouteRef(new LocalObjectRef("podinfo"));
        traffic.setGatewayAPI(gw);
        spec.setTraffic(traffic);
    }

    @Test
    void theHttpRouteCarriesExactWeightsAtEveryStepAndGoesBackTo100To0() {
        Fixtures fx = new Fixtures(client, "gw");
        fx.applyShippedTemplates(ENVOY_TEMPLATES);
        fx.deployment("podinfo", "gw-1", 10);
        HTTPRoute original = route(fx);
        gatewayCanary(fx, List.of(1, 10, 50, 100));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo");
                Changes<String> seen = new Changes<>(() -> weights(routeNow(fx)))) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "gw-2");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            await().atMost(Duration.ofSeconds(10)).until(() -> weights(routeNow(fx)).equals("100/0"));
            assertThat(seen.seen()).containsExactly("podinfo", "99/1", "90/10", "50/50", "0/100", "100/0");
            assertThat(recorder.steps()).extracting(StatusRecorder.Step::effectiveWeight)
                    .as("1% is 1%: the router, not pod counts, carries the split").containsExactly(1, 10, 50, 100);
            assertThat(done.getStableRevision()).isEqualTo(done.getCanaryRevision());
            MetricResult success = done.getLastAnalysis().get(0);
            assertThat(success.getQuery()).as("the canary's Envoy cluster, as Cilium names it").contains(
                    "envoy_cluster_upstream_rq{envoy_cluster_name=~\".*" + fx.ns + "[/:]podinfo-canary[/:].*\"");
            assertThat(success.getValue()).isCloseTo(99.9, within(0.05));

            HTTPRoute after = routeNow(fx);
            assertThat(after.getSpec().getRules().get(0).getBackendRefs()).extracting(HTTPBackendRef::getName,
                    HTTPBackendRef::getPort).containsExactly(org.assertj.core.groups.Tuple.tuple("podinfo-primary", 80),
                            org.assertj.core.groups.Tuple.tuple("podinfo-canary", 80));
            assertThat(after.getSpec().getRules().get(0).getMatches()).isEqualTo(original.getSpec().getRules().get(0)
                    .getMatches());
            assertThat(after.getSpec().getRules().get(1)).as("a rule that does not send traffic to podinfo")
                    .isEqualTo(original.getSpec().getRules().get(1));
            assertThat(after.getSpec().getHostnames()).isEqualTo(original.getSpec().getHostnames());
            assertThat(after.getSpec().getParentRefs()).isEqualTo(original.getSpec().getParentRefs());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
                assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(10);
            });
            assertThat(client.services().inNamespace(fx.ns).withName("podinfo").get().getSpec().getSelector())
                    .as("the apex Service selects the primary's pods under a weighted router")
                    .containsEntry("canary.aegis.dev/role", "primary");
        }
    }

    @Test
    void aStatefulSetCanariedInPlaceGetsExactWeightsThroughServicesByRevisionAndARollbackTakesThemAwayFirst() {
        Fixtures fx = new Fixtures(client, "gw-sts");
        fx.applyShippedTemplates(ENVOY_TEMPLATES);
        fleet.setBehaviour(Fixtures.IMAGE + "gs-3", VersionBehaviour.healthy().withErrorRatio(0.2));
        fx.statefulSet("podinfo", "gs-1", 10);
        route(fx);
        fx.canary("podinfo", "podinfo", spec -> {
            spec.getTargetRef().setKind(WorkloadKind.StatefulSet);
            spec.setSteps(List.of(1, 10, 50, 100));
            onGatewayApi(spec);
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo");
                Changes<String> seen = new Changes<>(() -> weights(routeNow(fx)))) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setStatefulSetImage("podinfo", "gs-2");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            await().atMost(Duration.ofSeconds(10)).until(() -> weights(routeNow(fx)).equals("100/0"));
            assertThat(seen.seen()).containsExactly("podinfo", "99/1", "90/10", "50/50", "0/100", "100/0");
            assertThat(recorder.steps()).extracting(StatusRecorder.Step::effectiveWeight)
                    .as("the router carries the split, whatever the pods").containsExactly(1, 10, 50, 100);
            assertThat(done.getLastAnalysis().get(0).getValue()).isCloseTo(99.9, within(0.05));
            var sts = client.apps().statefulSets().inNamespace(fx.ns).withName("podinfo").get();
            String current = sts.getStatus().getCurrentRevision();
            for (String service : List.of("podinfo", "podinfo-primary", "podinfo-canary")) {
                assertThat(client.services().inNamespace(fx.ns).withName(service).get().getSpec().getSelector())
                        .as(service).containsEntry("app", "podinfo").containsEntry("controller-revision-hash",
                                current);
            }

            fx.setStatefulSetImage("podinfo", "gs-3");
            CanaryStatus back = recorder.awaitPhase(Phase.RolledBack, RUN);
            assertThat(back.getMessage()).contains("success-rate 80").contains("step 1/4");
            await("podinfo-9 back on gs-2, every pod on it").atMost(Duration.ofSeconds(30)).until(() -> {
                var pods = client.pods().inNamespace(fx.ns).list().getItems();
                return pods.size() == 10 && pods.stream().allMatch(p -> p.getSpec().getContainers().get(0)
                        .getImage().equals(Fixtures.IMAGE + "gs-2"));
            });
            assertThat(seen.seen()).containsExactly("podinfo", "99/1", "90/10", "50/50", "0/100", "100/0", "99/1",
                    "100/0");
        }
    }

    @Test
    void aRollbackAndADeletionBothLeaveTheRouteAt100To0() {
        Fixtures fx = new Fixtures(client, "gw-back");
        fx.applyShippedTemplates(ENVOY_TEMPLATES);
        fleet.setBehaviour(Fixtures.IMAGE + "gb-2", VersionBehaviour.healthy().withErrorRatio(0.2));
        fx.deployment("podinfo", "gb-1", 4);
        route(fx);
        gatewayCanary(fx, List.of(25, 50, 100));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "gb-2");
            CanaryStatus back = recorder.awaitPhase(Phase.RolledBack, RUN);
            assertThat(back.getMessage()).contains("success-rate 80");
            assertThat(back.getLastAnalysis().get(0).getQuery()).contains("envoy_cluster_upstream_rq");
            await().atMost(Duration.ofSeconds(10)).until(() -> weights(routeNow(fx)).equals("100/0")
                    && fx.deploymentNow("podinfo").getSpec().getReplicas() == 0);

            fleet.setBehaviour(Fixtures.IMAGE + "gb-3", VersionBehaviour.healthy());
            fx.setImage("podinfo", "gb-3");
            await().atMost(RUN).until(() -> weights(routeNow(fx)).equals("75/25"));
            client.resources(Canary.class).inNamespace(fx.ns).withName("podinfo").delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> fx.canaryNow("podinfo") == null);
            assertThat(weights(routeNow(fx))).as("back to the apex Service, which selects the primary and stays")
                    .isEqualTo("podinfo");
            assertThat(routeNow(fx).getSpec().getRules().get(0).getBackendRefs().get(0).getPort()).isEqualTo(80);
            assertThat(client.services().inNamespace(fx.ns).withName("podinfo").get()).isNotNull();
            assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
            assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
        }
    }

    @Test
    void aTargetDeletedMidRunTakesTheCanarysWeightAwayAtOnce() {
        Fixtures fx = new Fixtures(client, "gw-gone");
        fx.applyShippedTemplates(ENVOY_TEMPLATES);
        fx.deployment("podinfo", "gg-1", 4);
        route(fx);
        gatewayCanary(fx, List.of(50, 100));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "gg-2");
            await().atMost(RUN).until(() -> weights(routeNow(fx)).equals("50/50"));
            client.apps().deployments().inNamespace(fx.ns).withName("podinfo").delete();
            recorder.awaitPhase(Phase.Invalid, RUN);
            await().atMost(Duration.ofSeconds(10)).until(() -> weights(routeNow(fx)).equals("100/0"));
        }
    }

    @Test
    void aRuleThatAlsoSendsElsewhereIsInvalidNamingTheRule() {
        Fixtures fx = new Fixtures(client, "gw-mixed");
        fx.applyShippedTemplates(ENVOY_TEMPLATES);
        fx.deployment("podinfo", "gx-1", 4);
        client.resource(new HTTPRouteBuilder()
                .withNewMetadata().withName("podinfo").withNamespace(fx.ns).endMetadata()
                .withNewSpec().addNewRule()
                .addNewBackendRef().withName("podinfo").withPort(80).withWeight(9).endBackendRef()
                .addNewBackendRef().withName("legacy").withPort(80).withWeight(1).endBackendRef()
                .endRule().endSpec().build()).create();
        gatewayCanary(fx, List.of(50, 100));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            CanaryStatus s = recorder.awaitPhase(Phase.Invalid, RUN);
            assertThat(s.getMessage()).isEqualTo("invalid: spec.traffic.gatewayAPI.httpRouteRef: rule 0 of HTTPRoute "
                    + "'podinfo' sends traffic to other backends besides Service podinfo; the gateway-api router "
                    + "needs rules that send only to it, to own their weights");
            assertThat(routeNow(fx).getSpec().getRules().get(0).getBackendRefs()).extracting(HTTPBackendRef::getName,
                    HTTPBackendRef::getWeight).containsExactly(org.assertj.core.groups.Tuple.tuple("podinfo", 9),
                            org.assertj.core.groups.Tuple.tuple("legacy", 1));
        }
    }

    @Test
    void aMissingHttpRouteIsInvalidAndNothingIsCreated() {
        Fixtures fx = new Fixtures(client, "gw-missing");
        fx.applyShippedTemplates(ENVOY_TEMPLATES);
        fx.deployment("podinfo", "gm-1", 4);
        gatewayCanary(fx, List.of(50, 100));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            CanaryStatus s = recorder.awaitPhase(Phase.Invalid, RUN);
            assertThat(s.getMessage()).isEqualTo("invalid: spec.traffic.gatewayAPI.httpRouteRef: HTTPRoute 'podinfo' "
                    + "(gateway.networking.k8s.io/v1) not found in namespace " + fx.ns
                    + "; is the Gateway API installed?");
            assertThat(fx.deploymentNow("podinfo-primary")).isNull();
            assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isEqualTo(4);
        }
    }

    Ingress ingress(Fixtures fx) {
        return client.resource(new IngressBuilder()
                .withNewMetadata().withName("podinfo").withNamespace(fx.ns)
                .withAnnotations(Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "8m")).endMetadata()
                .withNewSpec()
                .withIngressClassName("nginx")
                .addNewTl().withHosts("podinfo.example").withSecretName("podinfo-tls").endTl()
                .addNewRule().withHost("podinfo.example").withNewHttp()
                .addNewPath().withPath("/").withPathType("Prefix").withNewBackend().withNewService()
                .withName("podinfo").withNewPort().withNumber(80).endPort().endService().endBackend().endPath()
                .addNewPath().withPath("/admin").withPathType("Prefix").withNewBackend().withNewService()
                .withName("admin").withNewPort().withNumber(8080).endPort().endService().endBackend().endPath()
                .endHttp().endRule()
                .endSpec()
                .build()).create();
    }

    static String canaryWeight(Ingress copy) {
        return copy == null
                ? "none"
                : copy.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/canary-weight");
    }

    /** The nginx router on Ingress podinfo, checked with the shipped ingress-nginx template. */
    Canary nginxCanary(Fixtures fx, List<Integer> steps) {
        fx.applyShippedTemplates(List.of("ingress-nginx/nginx-success-rate.yaml"));
        return fx.canary("podinfo", "podinfo", spec -> {
            spec.setSteps(steps);
            MetricSpec success = new MetricSpec("success-rate", new TemplateRef("nginx-success-rate", null),
                    new ThresholdRange(99.0, null));
            success.setArgs(Map.of("ingress", "podinfo"));
            spec.getAnalysis().setMetrics(List.of(success));
            TrafficSpec traffic = new TrafficSpec();
            traffic.setRouter(RouterType.NGINX);
            TrafficSpec.NginxTraffic nginx = new TrafficSpec.NginxTraffic();
            nginx.setIngressRef(new LocalObjectRef("podinfo"));
            traffic.setNginx(nginx);
            spec.setTraffic(traffic);
        });
    }

    Ingress canaryIngressNow(Fixtures fx) {
        return client.network().v1().ingresses().inNamespace(fx.ns).withName("podinfo-canary").get();
    }

    @Test
    void theNginxCanaryIngressCarriesTheWeightAtEveryStepAndGoesAtTheEnd() {
        Fixtures fx = new Fixtures(client, "nginx");
        fx.deployment("podinfo", "ng-1", 10);
        Ingress original = ingress(fx);
        nginxCanary(fx, List.of(5, 50, 100));
        Supplier<Ingress> copyNow = () -> canaryIngressNow(fx);
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo");
                Changes<String> seen = new Changes<>(() -> canaryWeight(copyNow.get()))) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "ng-2");
            await().atMost(RUN).until(() -> copyNow.get() != null);
            Ingress copy = copyNow.get();
            assertThat(copy.getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/canary",
                    "true");
            assertThat(copy.getSpec().getIngressClassName()).isEqualTo("nginx");
            assertThat(copy.getSpec().getTls()).isNullOrEmpty();
            assertThat(copy.getSpec().getRules()).hasSize(1);
            assertThat(copy.getSpec().getRules().get(0).getHost()).isEqualTo("podinfo.example");
            assertThat(copy.getSpec().getRules().get(0).getHttp().getPaths()).extracting(p -> p.getPath(),
                    p -> p.getBackend().getService().getName()).containsExactly(
                            org.assertj.core.groups.Tuple.tuple("/", "podinfo-canary"));

            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(done.getLastAnalysis().get(0).getQuery()).as("ingress-nginx's count of canary requests")
                    .contains("nginx_ingress_controller_requests{namespace=\"" + fx.ns
                            + "\",ingress=\"podinfo\",canary!=\"\"");
            assertThat(done.getLastAnalysis().get(0).getValue()).isCloseTo(99.9, within(0.05));
            await().atMost(Duration.ofSeconds(10)).until(() -> copyNow.get() == null);
            assertThat(seen.seen()).containsExactly("none", "5", "50", "100", "none");
            assertThat(recorder.steps()).extracting(StatusRecorder.Step::effectiveWeight).containsExactly(5, 50, 100);
            Ingress git = client.network().v1().ingresses().inNamespace(fx.ns).withName("podinfo").get();
            assertThat(git.getSpec()).as("the Git Ingress is never changed").isEqualTo(original.getSpec());
            assertThat(git.getMetadata().getAnnotations()).isEqualTo(original.getMetadata().getAnnotations());
        }
    }

    @Test
    void underNginxARollbackAndADeletionBothTakeTheCanaryIngressAway() {
        Fixtures fx = new Fixtures(client, "nginx-back");
        fleet.setBehaviour(Fixtures.IMAGE + "nb-2", VersionBehaviour.healthy().withErrorRatio(0.1));
        fx.deployment("podinfo", "nb-1", 4);
        Ingress original = ingress(fx);
        nginxCanary(fx, List.of(25, 50, 100));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo");
                Changes<String> seen = new Changes<>(() -> canaryWeight(canaryIngressNow(fx)))) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "nb-2");
            CanaryStatus back = recorder.awaitPhase(Phase.RolledBack, RUN);
            assertThat(back.getMessage()).as("ingress-nginx counted the canary's errors").contains("success-rate 90");
            await().atMost(Duration.ofSeconds(10)).until(() -> canaryIngressNow(fx) == null
                    && fx.deploymentNow("podinfo").getSpec().getReplicas() == 0);
            assertThat(seen.seen()).as("weight 0 is no copy at all").containsExactly("none", "25", "none");

            fleet.setBehaviour(Fixtures.IMAGE + "nb-3", VersionBehaviour.healthy());
            fx.setImage("podinfo", "nb-3");
            await().atMost(RUN).until(() -> "25".equals(canaryWeight(canaryIngressNow(fx))));
            client.resources(Canary.class).inNamespace(fx.ns).withName("podinfo").delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> fx.canaryNow("podinfo") == null);
            assertThat(canaryIngressNow(fx)).isNull();
            Ingress git = client.network().v1().ingresses().inNamespace(fx.ns).withName("podinfo").get();
            assertThat(git.getSpec()).isEqualTo(original.getSpec());
            assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
            assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
        }
    }
}
