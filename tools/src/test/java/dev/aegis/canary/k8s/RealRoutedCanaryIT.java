package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * The weighted routers on the real control plane, with Git's objects applied as Flux applies them: every object by
 * server-side apply under field manager {@code kustomize-controller}, forcing conflicts. The Gateway API is its
 * release's standard channel (the CRDs of the pinned {@code sigs.k8s.io/gateway-api} module, with their defaults and
 * validation); NGINX's Ingress is the API server's own {@code networking.k8s.io/v1}.
 */
class RealRoutedCanaryIT {

    static final String FLUX = "kustomize-controller";

    @RegisterExtension
    static final RealController REAL = new RealController("controller-routed");

    @BeforeAll
    static void gatewayApi() {
        Manifests.installGatewayApi(REAL.plane);
    }

    @Test
    void theHttpRouteCarriesEachStepsWeightThroughFluxReapplyingItMidRunAndGoesBackToGitsRouteOnDeletion()
            throws Exception {
        String ns = REAL.plane.newNamespace("gateway");
        String image = "registry.invalid/" + ns + "/podinfo:";
        REAL.fleet.traffic.setBehaviour(image + "6.0.2", VersionBehaviour.healthy().withErrorRatio(0.3));
        CanaryRuns.applyTemplates(REAL.plane, ns);
        String git = deployment(ns, image + "6.0.0") + "---\n" + route(ns) + "---\n" + canary(ns, """
                  traffic: {router: gateway-api, gatewayAPI: {httpRouteRef: {name: podinfo}}}
                """);
        try (KubernetesClient client = REAL.plane.client()) {
            applyAsFlux(git);
            HTTPRoute original = route(client, ns);
            kubectlWait(ns, "Ready");
            Changes<String> seen = new Changes<>(() -> weights(route(client, ns)));
            try (seen) {
                String release = git.replace(image + "6.0.0", image + "6.0.1");
                applyAsFlux(release);
                Awaitility.await("step 2: 50/50").atMost(Duration.ofSeconds(60)).until(() -> weights(route(client, ns))
                        .equals("50/50"));
                String revision = CanaryRuns.status(client, ns, "podinfo").getCanaryRevision();

                // Git unchanged, applied again (Flux's interval, or its drift correction): Git's backendRefs come back
                Kubectl.Result reapplied = Kubectl.run(REAL.plane, "apply", "--server-side", "--field-manager=" + FLUX,
                        "--force-conflicts", "-f", file(route(ns)), "-o",
                        "jsonpath={.spec.rules[0].backendRefs[*].name}");
                assertThat(reapplied.exitCode()).as(reapplied.output()).isZero();
                assertThat(reapplied.output()).as("the route as Flux's apply left it").isEqualTo("podinfo");
                applyAsFlux(release);
                Awaitility.await("the controller sets the step's weights again").atMost(Duration.ofSeconds(30))
                        .until(() -> List.of("50/50", "0/100").contains(weights(route(client, ns))));

                kubectlWait(ns, "Ready");
                CanaryStatus promoted = CanaryRuns.status(client, ns, "podinfo");
                assertThat(promoted.getPhase()).isEqualTo(Phase.Succeeded);
                assertThat(promoted.getCanaryRevision()).as("the same run, not restarted by Flux").isEqualTo(revision);
                assertThat(promoted.getFailedChecks()).isZero();
                assertThat(warnings(client, ns)).as("a healthy release through Flux's re-applies raises no Warning")
                        .isEmpty();
                Awaitility.await("the route back at 100/0, as sampled").atMost(Duration.ofSeconds(30))
                        .until(() -> "100/0".equals(seen.last()));
                assertThat(seen.seen()).containsSubsequence("podinfo", "90/10", "50/50", "0/100", "100/0")
                        .doesNotContain("podinfo-primary,podinfo-canary");

                HTTPRoute after = route(client, ns);
                assertThat(after.getSpec().getRules().get(0).getBackendRefs()).extracting(HTTPBackendRef::getName,
                        HTTPBackendRef::getPort, HTTPBackendRef::getKind).containsExactly(
                                org.assertj.core.groups.Tuple.tuple("podinfo-primary", 80, "Service"),
                                org.assertj.core.groups.Tuple.tuple("podinfo-canary", 80, "Service"));
                assertThat(after.getSpec().getRules().get(0).getMatches()).isEqualTo(original.getSpec().getRules()
                        .get(0).getMatches());
                assertThat(after.getSpec().getRules().get(1)).as("a rule that does not send traffic to podinfo")
                        .isEqualTo(original.getSpec().getRules().get(1));
                assertThat(after.getSpec().getHostnames()).isEqualTo(original.getSpec().getHostnames());
                // real managedFields: Git's apply owns the route; the controller's weights are an update of its own
                assertThat(after.getMetadata().getManagedFields()).extracting(ManagedFieldsEntry::getManager,
                        ManagedFieldsEntry::getOperation).contains(org.assertj.core.groups.Tuple.tuple(FLUX, "Apply"),
                                org.assertj.core.groups.Tuple.tuple("aegis-canary", "Update"));
                Awaitility.await("the target at 0, the primary at Git's 4").atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(replicas(client, ns)).isEqualTo("podinfo=0 podinfo-primary=4"));

                seen.clear();
                applyAsFlux(git.replace(image + "6.0.0", image + "6.0.2"));
                kubectlWait(ns, "Reconciling");
                kubectlWait(ns, "Stalled");
                CanaryStatus rolledBack = CanaryRuns.status(client, ns, "podinfo");
                assertThat(rolledBack.getPhase()).isEqualTo(Phase.RolledBack);
                assertThat(rolledBack.getMessage()).contains("success-rate");
                Awaitility.await("the route back at 100/0, as sampled").atMost(Duration.ofSeconds(30))
                        .until(() -> "100/0".equals(seen.last()));
                assertThat(seen.seen()).contains("90/10").doesNotContain("50/50", "0/100");
            }

            Kubectl.Result deleted = Kubectl.run(REAL.plane, "delete", "canary", "podinfo", "-n", ns, "--wait=true",
                    "--timeout=60s");
            assertThat(deleted.exitCode()).as(deleted.output()).isZero();
            HTTPRoute released = route(client, ns);
            assertThat(released.getSpec().getRules()).as("Git's rules, as first applied").isEqualTo(original.getSpec()
                    .getRules());
            assertThat(client.services().inNamespace(ns).withName("podinfo").get()).as("the apex Service stays")
                    .isNotNull();
        }
    }

    /**
     * Real 409s: another writer annotates the HTTPRoute every few milliseconds through a whole run (as a busy
     * controller of another team would), so the controller's weight patches, which apply only to the route as it read
     * it, are refused whenever its cache is a version behind; every third write also annotates the Canary, so its
     * status writes are refused too (the real server locks a JSON patch of the status to the version read). A refused
     * route write is read again at the next look; a refused status write, on metadata no decision reads, is written on
     * the version read then. The route takes each step's weights once and in order, every step is told once, nothing
     * is a Warning, and the other writer's annotations, on the route, the target and the Canary, stay.
     */
    @Test
    void theRoutesWeightsRefusedAsConflictsByTheRealServerAreWrittenAgainAndEveryStepIsTakenOnce() throws Exception {
        String ns = REAL.plane.newNamespace("conflicts");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(REAL.plane, ns);
        // five steps: more route writes for the other writer to race
        String git = deployment(ns, image + "6.0.0") + "---\n" + route(ns) + "---\n" + canary(ns, """
                  traffic: {router: gateway-api, gatewayAPI: {httpRouteRef: {name: podinfo}}}
                """).replace("steps: [10, 50, 100]", "steps: [10, 25, 50, 75, 100]");
        try (KubernetesClient client = REAL.plane.client()) {
            applyAsFlux(git);
            kubectlWait(ns, "Ready");
            String route = "/apis/gateway.networking.k8s.io/v1/namespaces/" + ns + "/httproutes/podinfo";
            String status = "/apis/canary.aegis.dev/v1alpha1/namespaces/" + ns + "/canaries/podinfo/status";
            int routeBefore = conflicts(route).size();
            int statusBefore = conflicts(status).size();
            String revision;
            OtherWriter writer = new OtherWriter(client, ns);
            try (writer; Changes<String> seen = new Changes<>(() -> weights(route(client, ns)))) {
                applyAsFlux(git.replace(image + "6.0.0", image + "6.0.1"));
                kubectlWait(ns, "Reconciling");
                kubectlWait(ns, "Ready");
                revision = CanaryRuns.status(client, ns, "podinfo").getCanaryRevision();
                Awaitility.await("the route at 100/0, as sampled").atMost(Duration.ofSeconds(30))
                        .until(() -> "100/0".equals(seen.last()));
                assertThat(seen.seen()).as("each step's weights once, in order").containsExactly("podinfo", "90/10",
                        "75/25", "50/50", "25/75", "0/100", "100/0");
            }
            List<Audit.Request> routeRefused = conflicts(route).subList(routeBefore, conflicts(route).size());
            List<Audit.Request> statusRefused = conflicts(status).subList(statusBefore, conflicts(status).size());
            System.out.printf("conflicts: %d of the controller's route writes and %d of its status writes refused "
                    + "(409) among %d writes of the other writer%n", routeRefused.size(), statusRefused.size(),
                    writer.writes());
            assertThat(routeRefused).as("the other writer (%d writes) raced none of the controller's route writes: "
                    + "this test showed nothing", writer.writes()).isNotEmpty();
            assertThat(statusRefused).as("the other writer (%d writes) raced none of the controller's status writes: "
                    + "this test showed nothing", writer.writes()).isNotEmpty();

            CanaryStatus promoted = CanaryRuns.status(client, ns, "podinfo");
            assertThat(promoted.getPhase()).isEqualTo(Phase.Succeeded);
            assertThat(promoted.getCanaryRevision()).isEqualTo(revision);
            assertThat(promoted.getFailedChecks()).isZero();
            assertThat(warnings(client, ns)).as("a conflict resolves itself: no Warning").isEmpty();
            List<Event> told = client.v1().events().inNamespace(ns).list().getItems().stream()
                    .filter(e -> "Canary".equals(e.getInvolvedObject().getKind())).toList();
            assertThat(told).filteredOn(e -> "StepAdvanced".equals(e.getReason()))
                    .extracting(Event::getMessage, e -> e.getCount() == null ? 1 : e.getCount())
                    .as("each step told once").satisfiesExactly(
                            step -> assertThat(step.toList()).first().asString().startsWith("step 2/5: 25% after "),
                            step -> assertThat(step.toList()).first().asString().startsWith("step 3/5: 50% after "),
                            step -> assertThat(step.toList()).first().asString().startsWith("step 4/5: 75% after "),
                            step -> assertThat(step.toList()).first().asString().startsWith("step 5/5: 100% after "))
                    .allSatisfy(step -> assertThat(step.toList().get(1)).isEqualTo(1));
            assertThat(told).filteredOn(e -> List.of("Promoting", "Succeeded").contains(e.getReason()))
                    .extracting(Event::getReason, e -> e.getCount() == null ? 1 : e.getCount())
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("Promoting", 1),
                            org.assertj.core.groups.Tuple.tuple("Succeeded", 1));

            String last = Integer.toString(writer.writes());
            assertThat(route(client, ns).getMetadata().getAnnotations()).as("the other writer's change stays")
                    .containsEntry(OtherWriter.ANNOTATION, last);
            assertThat(client.apps().deployments().inNamespace(ns).withName("podinfo").get().getMetadata()
                    .getAnnotations()).containsEntry(OtherWriter.ANNOTATION, writer.lastOnTheTarget());
            assertThat(client.resources(Canary.class).inNamespace(ns).withName("podinfo").get().getMetadata()
                    .getAnnotations()).containsEntry(OtherWriter.ANNOTATION, writer.lastOnTheCanary());
        }
    }

    /** The controller's writes to this path the real server refused as conflicts (409), in order. */
    static List<Audit.Request> conflicts(String path) {
        return Audit.requestsOf(REAL.plane, PackagedControllerIT.USER).stream()
                .filter(r -> r.code() == 409 && r.uri().split("\\?")[0].equals(path)).toList();
    }

    /**
     * Another writer: a merge patch of one annotation, a counter, on the route as fast as the server answers, every
     * third on the Canary too, and every 200th on the target. Stops when closed.
     */
    static final class OtherWriter implements AutoCloseable {

        static final String ANNOTATION = "other-team.example/revision";
        private final AtomicInteger writes = new AtomicInteger();
        private volatile String lastOnTheCanary;
        private volatile String lastOnTheTarget;
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final Future<?> loop;

        OtherWriter(KubernetesClient client, String ns) {
            loop = thread.submit(() -> {
                while (!thread.isShutdown()) {
                    int n = writes.get() + 1;
                    String patch = "{\"metadata\":{\"annotations\":{\"" + ANNOTATION + "\":\"" + n + "\"}}}";
                    client.resources(HTTPRoute.class).inNamespace(ns).withName("podinfo")
                            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
                    if (n % 3 == 1) {
                        client.resources(Canary.class).inNamespace(ns).withName("podinfo")
                                .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
                        lastOnTheCanary = Integer.toString(n);
                    }
                    // the target seldom: at this pace the Deployment controller's own status writes would conflict
                    // over and over, and its backoff hold the canary's pods back for minutes
                    if (n % 200 == 1) {
                        client.apps().deployments().inNamespace(ns).withName("podinfo")
                                .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
                        lastOnTheTarget = Integer.toString(n);
                    }
                    writes.set(n);
                }
                return null;
            });
        }

        int writes() {
            return writes.get();
        }

        String lastOnTheCanary() {
            return lastOnTheCanary;
        }

        String lastOnTheTarget() {
            return lastOnTheTarget;
        }

        /** Stops after the write under way; a write that failed fails the test here. */
        @Override
        public void close() throws Exception {
            thread.shutdown();
            loop.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theNginxCanaryIngressCarriesEachStepsWeightLeavesGitsIngressAloneAndGoesOnDeletion() throws Exception {
        String ns = REAL.plane.newNamespace("nginx");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(REAL.plane, ns);
        String git = deployment(ns, image + "6.0.0") + "---\n" + ingress(ns) + "---\n" + canary(ns, """
                  traffic: {router: nginx, nginx: {ingressRef: {name: podinfo}}}
                """);
        try (KubernetesClient client = REAL.plane.client()) {
            applyAsFlux(git);
            Ingress original = ingress(client, ns, "podinfo");
            kubectlWait(ns, "Ready");
            try (Changes<String> seen = new Changes<>(() -> canaryWeight(ingress(client, ns, "podinfo-canary")))) {
                applyAsFlux(git.replace(image + "6.0.0", image + "6.0.1"));
                Awaitility.await("the canary Ingress at 10").atMost(Duration.ofSeconds(60))
                        .until(() -> "10".equals(canaryWeight(ingress(client, ns, "podinfo-canary"))));
                Ingress copy = ingress(client, ns, "podinfo-canary");
                assertThat(copy.getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/canary",
                        "true");
                assertThat(copy.getSpec().getIngressClassName()).isEqualTo("nginx");
                assertThat(copy.getSpec().getTls()).as("the TLS settings stay with the main Ingress").isNullOrEmpty();
                assertThat(copy.getSpec().getRules()).singleElement().satisfies(rule -> {
                    assertThat(rule.getHost()).isEqualTo("podinfo.example");
                    assertThat(rule.getHttp().getPaths()).extracting(p -> p.getPath(),
                            p -> p.getBackend().getService().getName()).containsExactly(
                                    org.assertj.core.groups.Tuple.tuple("/", "podinfo-canary"));
                });
                applyAsFlux(git.replace(image + "6.0.0", image + "6.0.1")); // Flux again: nothing of the run moves
                kubectlWait(ns, "Ready");
                assertThat(CanaryRuns.status(client, ns, "podinfo").getPhase()).isEqualTo(Phase.Succeeded);
                Awaitility.await("the canary Ingress gone, as sampled").atMost(Duration.ofSeconds(30))
                        .until(() -> "none".equals(seen.last()));
                assertThat(seen.seen()).containsExactly("none", "10", "50", "100", "none");
                assertThat(warnings(client, ns)).isEmpty();

                applyAsFlux(git.replace(image + "6.0.0", image + "6.0.3"));
                Awaitility.await("the next release's canary Ingress at 10").atMost(Duration.ofSeconds(60))
                        .until(() -> "10".equals(canaryWeight(ingress(client, ns, "podinfo-canary"))));
            }
            Kubectl.Result deleted = Kubectl.run(REAL.plane, "delete", "canary", "podinfo", "-n", ns, "--wait=true",
                    "--timeout=60s");
            assertThat(deleted.exitCode()).as(deleted.output()).isZero();
            Awaitility.await("the canary Ingress gone with the Canary").atMost(Duration.ofSeconds(30))
                    .until(() -> ingress(client, ns, "podinfo-canary") == null);
            Ingress after = ingress(client, ns, "podinfo");
            assertThat(after.getSpec()).as("the Git Ingress is never changed").isEqualTo(original.getSpec());
            assertThat(after.getMetadata().getAnnotations()).isEqualTo(original.getMetadata().getAnnotations());
            assertThat(after.getMetadata().getManagedFields()).extracting(ManagedFieldsEntry::getManager)
                    .as("nobody but Git wrote it").containsOnly(FLUX);
        }
    }

    @Test
    void anAutoscaledTargetsPrimaryIsScaledByItsTwinUnderTheRealAutoscalerAndTakesGitsNewBoundsWithTheRelease()
            throws Exception {
        String ns = REAL.plane.newNamespace("hpa");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(REAL.plane, ns);
        String git = deployment(ns, image + "6.0.0").replace("replicas: 4", "replicas: 2") + "---\n" + autoscaler(ns,
                3) + "---\n" + route(ns) + "---\n" + canary(ns, """
                          autoscalerRef: {name: podinfo}
                          traffic: {router: gateway-api, gatewayAPI: {httpRouteRef: {name: podinfo}}}
                        """);
        try (KubernetesClient client = REAL.plane.client()) {
            applyAsFlux(git);
            kubectlWait(ns, "Ready");
            Awaitility.await("the real autoscaler scales the primary to its twin's minReplicas, 3")
                    .atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(replicas(client, ns))
                            .isEqualTo("podinfo=0 podinfo-primary=3"));
            HorizontalPodAutoscaler twin = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns)
                    .withName("podinfo-primary").get();
            HorizontalPodAutoscaler gits = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns)
                    .withName("podinfo").get();
            assertThat(twin.getSpec().getScaleTargetRef().getName()).isEqualTo("podinfo-primary");
            assertThat(twin.getSpec().getMinReplicas()).isEqualTo(3);
            assertThat(twin.getSpec().getMaxReplicas()).isEqualTo(6);
            assertThat(twin.getSpec().getMetrics()).isEqualTo(gits.getSpec().getMetrics());
            assertThat(twin.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName())
                    .containsExactly("Canary/podinfo");

            // a release that raises the autoscaler's minimum with it: the primary takes both at promotion
            applyAsFlux(deployment(ns, image + "6.0.1").replace("replicas: 4", "replicas: 2") + "---\n"
                    + autoscaler(ns, 4));
            kubectlWait(ns, "Reconciling");
            Awaitility.await("the twin keeps the old bounds during the run").during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(10)).until(() -> client.autoscaling().v2().horizontalPodAutoscalers()
                            .inNamespace(ns).withName("podinfo-primary").get().getSpec().getMinReplicas() == 3);
            kubectlWait(ns, "Ready");
            assertThat(CanaryRuns.status(client, ns, "podinfo").getPhase()).isEqualTo(Phase.Succeeded);
            Awaitility.await("the primary on 6.0.1, scaled by the real autoscaler to the new minimum, 4")
                    .atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                        assertThat(replicas(client, ns)).isEqualTo("podinfo=0 podinfo-primary=4");
                        assertThat(client.apps().deployments().inNamespace(ns).withName("podinfo-primary").get()
                                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                                .isEqualTo(image + "6.0.1");
                    });
            assertThat(warnings(client, ns)).isEmpty();
        }
    }

    /** Every distinct value a supplier returned, in order, sampled every 100 ms until closed. */
    static final class Changes<T> implements AutoCloseable {

        private final List<T> seen = new CopyOnWriteArrayList<>();
        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

        Changes(Supplier<T> value) {
            sampler.scheduleWithFixedDelay(() -> {
                T now = value.get();
                if (seen.isEmpty() || !Objects.equals(seen.get(seen.size() - 1), now)) {
                    seen.add(now);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
        }

        List<T> seen() {
            return List.copyOf(seen);
        }

        /** The value sampled last, or null before the first sample. */
        T last() {
            List<T> now = seen();
            return now.isEmpty() ? null : now.get(now.size() - 1);
        }

        void clear() {
            seen.clear();
        }

        @Override
        public void close() {
            sampler.shutdownNow();
        }
    }

    static void applyAsFlux(String yaml) {
        CanaryRuns.applyAsFlux(REAL.plane, yaml);
    }

    static String file(String yaml) {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile(java.nio.file.Files.createDirectories(
                    ControlPlane.ROOT.resolve("work")), "git-", ".yaml");
            java.nio.file.Files.writeString(file, yaml);
            return file.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void kubectlWait(String ns, String condition) {
        CanaryRuns.kubectlWait(REAL.plane, ns, condition, REAL.controller);
    }

    /** "Reason: message" of each Warning Event on the Canary. */
    static List<String> warnings(KubernetesClient client, String ns) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType()) && "Canary".equals(e.getInvolvedObject().getKind()))
                .map(e -> e.getReason() + ": " + e.getMessage()).toList();
    }

    static HTTPRoute route(KubernetesClient client, String ns) {
        return client.resources(HTTPRoute.class).inNamespace(ns).withName("podinfo").get();
    }

    static Ingress ingress(KubernetesClient client, String ns, String name) {
        return client.network().v1().ingresses().inNamespace(ns).withName(name).get();
    }

    /** "primary/canary" weights of the first rule, or its backends' names when the controller has not set them. */
    static String weights(HTTPRoute route) {
        List<HTTPBackendRef> refs = route.getSpec().getRules().get(0).getBackendRefs();
        if (refs.size() == 2 && refs.get(0).getName().endsWith("-primary") && refs.get(0).getWeight() != null) {
            return refs.get(0).getWeight() + "/" + refs.get(1).getWeight();
        }
        return String.join(",", refs.stream().map(HTTPBackendRef::getName).toList());
    }

    static String canaryWeight(Ingress copy) {
        return copy == null
                ? "none"
                : copy.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/canary-weight");
    }

    static String replicas(KubernetesClient client, String ns) {
        Map<String, Integer> byName = new java.util.TreeMap<>();
        for (String name : List.of("podinfo", "podinfo-primary")) {
            byName.put(name, client.apps().deployments().inNamespace(ns).withName(name).get().getSpec().getReplicas());
        }
        return byName.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).reduce((a, b) -> a + " " + b)
                .orElse("");
    }

    static String deployment(String ns, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: podinfo, namespace: %s}
                spec:
                  replicas: 4
                  selector: {matchLabels: {app: podinfo}}
                  template:
                    metadata: {labels: {app: podinfo}}
                    spec:
                      containers: [{name: podinfo, image: "%s", ports: [{containerPort: 9898}]}]
                """.formatted(ns, image);
    }

    static String autoscaler(String ns, int min) {
        return """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: podinfo, namespace: %s}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
                  minReplicas: %d
                  maxReplicas: 6
                  metrics:
                    - type: Resource
                      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
                """.formatted(ns, min);
    }

    /** Git's HTTPRoute: "/" to Service podinfo, "/admin" to another Service; its Gateway is not this test's. */
    static String route(String ns) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: podinfo, namespace: %s}
                spec:
                  parentRefs: [{name: edge-gateway, namespace: gateways}]
                  hostnames: [podinfo.example]
                  rules:
                    - matches: [{path: {type: PathPrefix, value: /}}]
                      backendRefs: [{name: podinfo, port: 80}]
                    - matches: [{path: {type: PathPrefix, value: /admin}}]
                      backendRefs: [{name: admin, port: 8080}]
                """.formatted(ns);
    }

    static String ingress(String ns) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: podinfo
                  namespace: %s
                  annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 8m}
                spec:
                  ingressClassName: nginx
                  tls: [{hosts: [podinfo.example], secretName: podinfo-tls}]
                  rules:
                    - host: podinfo.example
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: podinfo, port: {number: 80}}}}
                          - {path: /admin, pathType: Prefix, backend: {service: {name: admin, port: {number: 8080}}}}
                """.formatted(ns);
    }

    /** RealDeploymentCanaryIT's Canary at steps 10, 50, 100, with more spec (its traffic) appended. */
    static String canary(String ns, String traffic) {
        return RealDeploymentCanaryIT.canary(ns).replace("steps: [25, 50, 100]", "steps: [10, 50, 100]") + traffic;
    }
}
