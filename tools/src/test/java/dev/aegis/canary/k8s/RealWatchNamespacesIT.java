package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.Phase;

/**
 * The packaged controller watching two namespaces of three ({@code watchNamespaces: [a, b]}, as the Helm chart sets
 * it) on the real control plane. The Operator SDK runs an informer per watched namespace and kind; each must keep its
 * own namespace's objects. Given one store between them, an informer's first list dropped what the other had listed:
 * a controller started after both Canaries were taken over lost one namespace's primary from its cache, re-initialized
 * it from the unreleased target and failed. One namespace holds 600 more templates, more than a page of the
 * controller's lists. Both watched Canaries are taken over, then promoted by a new process; the third namespace's
 * Canary is left as Git wrote it.
 */
class RealWatchNamespacesIT {

    /** More templates than one page of a list (CanaryReconciler.LIST_PAGE, 500). */
    static final int FILLERS = 600;
    /** The kinds the controller watches per namespace: each is listed in pages in every watched namespace. */
    static final List<String> NAMESPACED = List.of("/apis/canary.aegis.dev/v1alpha1/namespaces/%s/canaries?",
            "/apis/canary.aegis.dev/v1alpha1/namespaces/%s/analysistemplates?",
            "/apis/apps/v1/namespaces/%s/deployments?",
            "/apis/apps/v1/namespaces/%s/daemonsets?", "/apis/apps/v1/namespaces/%s/statefulsets?",
            "/api/v1/namespaces/%s/services?", "/api/v1/namespaces/%s/pods?");

    @Test
    void eachWatchedNamespacesCanaryIsPromotedAndTheUnwatchedOneIsLeftAlone() throws Exception {
        RealFleet fleet = RealFleet.shared();
        ControlPlane plane = fleet.plane;
        Manifests.applyDeploy(plane);
        String a = plane.newNamespace("watched-a");
        String b = plane.newNamespace("watched-b");
        String unwatched = plane.newNamespace("unwatched");
        try (KubernetesClient client = plane.client()) {
            // "filler-..." sorts before the shipped templates' names: theirs are listed after the first 500
            createFillers(client, a);
            for (String ns : List.of(a, b, unwatched)) {
                CanaryRuns.applyTemplates(plane, ns);
                client.apps().deployments().inNamespace(ns).resource(RealDeploymentCanaryIT.podinfo(ns, image(ns,
                        "6.0.0"))).create();
                CanaryRuns.apply(plane, RealDeploymentCanaryIT.canary(ns, "[50, 100]", "8s",
                        "request-success-rate"));
            }
            Map<String, String> settings = Map.of("quarkus.operator-sdk.namespaces", a + "," + b,
                    "aegis.leader-election.lease-name", "aegis-canary-watch-namespaces-test",
                    "aegis.leader-election.lease-duration", "6s", "aegis.leader-election.renew-deadline", "4s",
                    "aegis.leader-election.retry-period", "1s");
            try (PackagedController first = PackagedController.start(plane, "controller-watch-namespaces-1",
                    "aegis-system", "aegis-canary", fleet.prometheus.url(), settings)) {
                for (String ns : List.of(a, b)) {
                    CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, first, Duration.ofSeconds(120));
                }
            }
            // A new process: its informers' first lists now hold what the first one made in both namespaces (the
            // primaries, the Services), which it reads from its caches alone.
            try (PackagedController controller = PackagedController.start(plane, "controller-watch-namespaces-2",
                    "aegis-system", "aegis-canary", fleet.prometheus.url(), settings)) {
                for (String ns : List.of(a, b)) {
                    RealDeploymentCanaryIT.setImage(plane, ns, image(ns, "6.0.1"));
                }
                for (String ns : List.of(a, b)) {
                    CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Succeeded, controller, Duration.ofSeconds(120));
                    assertThat(client.apps().deployments().inNamespace(ns).withName("podinfo-primary").get().getSpec()
                            .getTemplate().getSpec().getContainers().get(0).getImage()).as("%s's primary", ns)
                            .isEqualTo(image(ns, "6.0.1"));
                    List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
                    assertThat(events).as("%s's Events", ns).extracting(e -> e.getReason())
                            .contains("Initialized", "NewRevision", "StepAdvanced", "Succeeded")
                            .doesNotContain("InvalidSpec", "ReconcileFailed", "ApplyFailed");
                    assertThat(events).as("%s's Warnings", ns).noneMatch(e -> "Warning".equals(e.getType()));
                }
                assertThat(Files.readString(controller.log)).as("the SDK's registration line")
                        .containsPattern("for namespace\\(s\\): \\[(" + a + ", " + b + "|" + b + ", " + a + ")\\]");

                assertThat(CanaryRuns.status(client, unwatched, "podinfo")).as("the unwatched Canary's status")
                        .isNull();
                assertThat(client.apps().deployments().inNamespace(unwatched).withName("podinfo-primary").get())
                        .as("a primary in the unwatched namespace").isNull();
                assertThat(client.apps().deployments().inNamespace(unwatched).withName("podinfo").get().getSpec()
                        .getReplicas()).as("the unwatched target's replicas")
                        .isEqualTo(RealDeploymentCanaryIT.REPLICAS);
                assertThat(client.v1().events().inNamespace(unwatched).list().getItems())
                        .as("the controller's Events in the unwatched namespace")
                        .noneMatch(e -> "aegis-canary".equals(e.getReportingComponent()));
            }
        }

        List<Audit.Request> requests = Audit.requestsOf(plane, PackagedControllerIT.USER);
        for (String ns : List.of(a, b)) {
            for (String kind : NAMESPACED) {
                String prefix = kind.formatted(ns);
                List<String> lists = requests.stream().filter(r -> r.verb().equals("list"))
                        .map(Audit.Request::uri).filter(u -> u.startsWith(prefix)).toList();
                assertThat(lists).as("the controller's lists of %s", prefix).isNotEmpty()
                        .allSatisfy(u -> assertThat(u).contains("limit=500"));
            }
        }
        List<String> templates = requests.stream().filter(r -> r.verb().equals("list")).map(Audit.Request::uri)
                .filter(u -> u.startsWith(NAMESPACED.get(1).formatted(a))).toList();
        assertThat(templates).as("over %d templates in %s: a second page", FILLERS, a)
                .anyMatch(u -> !u.contains("continue=")).anyMatch(u -> u.contains("continue="));
        assertThat(requests).as("requests in the unwatched namespace")
                .noneMatch(r -> r.uri().contains("/namespaces/" + unwatched + "/"));
        Audit.assertNoneRefused(plane, PackagedControllerIT.USER);
    }

    static String image(String ns, String version) {
        return "registry.invalid/" + ns + "/podinfo:" + version;
    }

    /** FILLERS templates named filler-000... in ns, created a few at a time. */
    static void createFillers(KubernetesClient client, String ns) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < FILLERS; i++) {
                AnalysisTemplate template = new AnalysisTemplate();
                template.setMetadata(new ObjectMetaBuilder().withName("filler-%03d".formatted(i)).withNamespace(ns)
                        .build());
                AnalysisTemplateSpec spec = new AnalysisTemplateSpec();
                spec.setQuery("vector(1)");
                template.setSpec(spec);
                created.add(pool.submit(() -> client.resources(AnalysisTemplate.class).inNamespace(ns)
                        .resource(template).create()));
            }
            for (Future<?> f : created) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
