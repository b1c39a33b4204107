package dev.aegis.canary.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.demo.EmbeddedApiServer;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;
import dev.aegis.canary.workload.DaemonSetWorkloads;

/**
 * The runner and the fleet simulator without a controller: the test plays the controller's part (the Canary's status,
 * the primary, the canary's node labels), so each event's effect is seen alone, as the controller would see it
 * through the API, the pods' /metrics and Prometheus.
 */
class SimulatedEventsTest {

    static EmbeddedApiServer api;
    static KubernetesClient client;
    static FleetSimulator fleet;
    static PrometheusProcess prometheus;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    final Queue<String> timeline = new ConcurrentLinkedQueue<>();
    Thread playing;
    volatile RuntimeException failed;

    @BeforeAll
    static void startCluster() {
        api = EmbeddedApiServer.start(false);
        client = api.client("simulate", null);
        fleet = FleetSimulator.create(new FleetSimulator.Options(50, List.of("node-a", "node-b"),
                Duration.ofMillis(50))).attach(client);
        prometheus = PrometheusProcess.start(fleet.serviceDiscoveryUrl(), Duration.ofMillis(200));
    }

    @AfterAll
    static void stopCluster() {
        prometheus.close();
        fleet.close();
        client.close();
        api.close();
    }

    @AfterEach
    void stopPlaying() throws InterruptedException {
        if (playing != null) {
            playing.interrupt(); // the runner's next poll ends the play
            playing.join(10_000);
        }
        assertThat(failed).as("the play went on until the test stopped it").isNull();
    }

    ScenarioRunner runner() {
        return new ScenarioRunner(client, fleet, prometheus, timeline::add, null, null);
    }

    /** Plays in the background; the test stops it when it has seen what it came for. */
    void play(Scenario s, String namespace) {
        playing = new Thread(() -> {
            try {
                runner().run(s, namespace);
            } catch (RuntimeException e) {
                if (!Thread.currentThread().isInterrupted() && !(e.getCause() instanceof InterruptedException)) {
                    failed = e; // not the test stopping it
                }
            }
        });
        playing.setDaemon(true);
        playing.start();
    }

    /** The controller's part: the Canary's phase and message, and for a step its weight, reached. */
    static void status(String namespace, Phase phase, String message, Integer weight) {
        await().atMost(Duration.ofSeconds(10)).until(() -> canary(namespace) != null);
        client.resources(Canary.class).inNamespace(namespace).withName(ScenarioRunner.APP).editStatus(c -> {
            CanaryStatus st = c.getStatus() == null ? new CanaryStatus() : c.getStatus();
            st.setPhase(phase);
            st.setMessage(message);
            st.setWeight(weight);
            st.setStepIndex(weight == null ? null : 0);
            st.setStepReadyAt(weight == null ? null : "2026-01-01T00:00:00Z");
            c.setStatus(st);
            return c;
        });
    }

    /** The Canary first Ready, and the play started from it. */
    void firstReady(String namespace) {
        status(namespace, Phase.Ready, "ready", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> timeline.stream().anyMatch(l -> l.endsWith("Ready; t=0")));
    }

    static Canary canary(String namespace) {
        return client.resources(Canary.class).inNamespace(namespace).withName(ScenarioRunner.APP).get();
    }

    @Test
    void aCanaryTheControllerCallsInvalidEndsSimulateAtOnceWithItsMessageAndExit2() {
        Scenario s = ScenarioTest.parse("""
                name: invalid-canary
                replicas: 2
                versions: {v1: {}}
                initialVersion: v1
                canary:
                  analysis:
                    metrics: [{name: success-rate, templateRef: {name: no-such-template}}]
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> SimulateCommand.play(List.of(s),
                runner(), new PrintStream(out, true), new PrintStream(err, true)));

        status("sim-invalid-canary", Phase.Invalid, "invalid: spec.analysis.metrics[0].templateRef: "
                + "AnalysisTemplate 'no-such-template' not found in namespace sim-invalid-canary", null);

        await("at once, not after the first-sight wait").atMost(Duration.ofSeconds(10)).until(exit::isDone);
        assertThat(exit.join()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly("scenario invalid-canary: the "
                + "Canary is Invalid: spec.analysis.metrics[0].templateRef: AnalysisTemplate 'no-such-template' "
                + "not found in namespace sim-invalid-canary");
    }

    @Test
    void aCanaryNotReadyInTimeIsReportedWithItsPhaseAndMessage() {
        Scenario s = ScenarioTest.parse("""
                name: never-ready
                replicas: 2
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                """);
        CompletableFuture<Throwable> ended = CompletableFuture.supplyAsync(() -> catchThrowableOfType(
                ScenarioMistake.class, () -> runner().firstSight(Duration.ofSeconds(2)).run(s, "never-ready")));
        status("never-ready", Phase.Initializing, "initializing: primary 0/2 ready", null);

        assertThat(ended.join()).hasMessage("scenario never-ready: the Canary was not Ready 2s after it was "
                + "created; phase Initializing: initializing: primary 0/2 ready");
        assertThat(catchThrowableOfType(ScenarioMistake.class, () -> runner().firstSight(Duration.ofSeconds(1))
                .run(s, "no-controller"))).hasMessage("scenario never-ready: the Canary was not Ready 1s after it "
                        + "was created; it has no status yet (is the controller running?)");
    }

    @Test
    void deletedCanaryPodsAreReplacedAndTheNewOnesReadyAfterTheirVersionStartsUp() {
        String ns = "evictions";
        Scenario s = ScenarioTest.parse("""
                name: evictions
                replicas: 3
                versions: {v1: {readyAfter: 2s}}
                initialVersion: v1
                canary: {steps: [10, 100]}
                timeline:
                  - {atStep: 10, pods: {deleteCanary: 2}}
                """);
        play(s, ns);
        primary(ns, 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> ready(ns, "web-primary-").size() == 2
                && ready(ns, "web-").size() == 5 && target(ns).size() == 3);
        Set<String> primary = ready(ns, "web-primary-");
        Set<String> before = target(ns);

        firstReady(ns);
        status(ns, Phase.Progressing, "step 1/2", 10);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(timeline).anyMatch(
                l -> l.endsWith("2 canary pods deleted, as by an eviction; their controller makes new ones")));
        assertThat(before).as("deleted, as the controller sees it").filteredOn(pod -> client.pods().inNamespace(ns)
                .withName(pod).get() == null).hasSize(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> target(ns).size() == 3);
        Set<String> replacements = target(ns).stream().filter(pod -> !before.contains(pod))
                .collect(Collectors.toSet());
        String replicaSet = before.iterator().next().substring(0, before.iterator().next().lastIndexOf('-') + 1);
        assertThat(replacements).as("new pods of the same ReplicaSet, starting").hasSize(2)
                .allMatch(pod -> pod.startsWith(replicaSet)).noneMatch(ready(ns, "web-")::contains);
        await().atMost(Duration.ofSeconds(10)).until(() -> ready(ns, "web-").containsAll(replacements));
        assertThat(ready(ns, "web-primary-")).as("the primary's pods untouched").isEqualTo(primary);
    }

    @Test
    void cordonNotReadyAndRemoveTakeEveryNodeThatRunsTheCanary() {
        String ns = "edge";
        Scenario s = ScenarioTest.parse("""
                name: edge
                kind: DaemonSet
                nodes: 6
                versions: {v1: {}}
                initialVersion: v1
                canary: {steps: [10, 50, 100]}
                timeline:
                  - {at: 0s, nodes: {cordon: canary}}
                  - {at: 0s, nodes: {notReady: canary}}
                  - {at: 0s, nodes: {cordon: 1}}
                  - {atStep: 10, nodes: {uncordon: 2}}
                  - {atStep: 10, nodes: {remove: canary}}
                """);
        play(s, ns);
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes(s).size() == 6 && canary(ns) != null);
        String label = DaemonSetWorkloads.nodeLabel(ScenarioRunner.canary(s, ns));
        for (String node : List.of("edge-node-0002", "edge-node-0005")) {
            client.nodes().withName(node).edit(n -> {
                n.getMetadata().getLabels().put(label, DaemonSetWorkloads.CANARY);
                return n;
            });
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ready(ns, "web-").size() == 6);

        status(ns, Phase.Ready, "ready", null);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(names(nodes(s), SimulatedEventsTest::cordoned)).as("the canary's, then one more")
                    .containsExactly("edge-node-0001", "edge-node-0002", "edge-node-0005");
            assertThat(names(nodes(s), n -> !ready(n))).containsExactly("edge-node-0002", "edge-node-0005");
            assertThat(names(nodes(s), n -> n.getSpec().getTaints() != null && n.getSpec().getTaints().stream()
                    .anyMatch(t -> t.getKey().equals("node.kubernetes.io/unschedulable"))))
                    .as("tainted as the node lifecycle controller does")
                    .containsExactly("edge-node-0001", "edge-node-0002", "edge-node-0005");
        });
        assertThat(fleet.pods(ns)).as("a cordon leaves DaemonSet pods running").hasSize(6);
        assertThat(timeline).anyMatch(l -> l.endsWith("the canary's 2 nodes cordoned"))
                .anyMatch(l -> l.endsWith("the canary's 2 nodes NotReady"))
                .anyMatch(l -> l.endsWith(" 1 node cordoned"));

        status(ns, Phase.Progressing, "step 1/3", 10);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(names(nodes(s), n -> true)).as("the canary's gone, serving or not")
                    .containsExactly("edge-node-0001", "edge-node-0003", "edge-node-0004", "edge-node-0006");
            assertThat(names(nodes(s), SimulatedEventsTest::cordoned)).isEmpty();
        });
    }

    @Test
    void aScrapeGapFailsTheCanarysScrapesForItsLengthWhileItsCountersGoOn() throws Exception {
        String ns = "gaps";
        Scenario s = ScenarioTest.parse("""
                name: gaps
                timeScale: 2
                replicas: 1
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                timeline:
                  - {at: 0s, metrics: {gap: 6s, pods: canary}}
                """);
        play(s, ns);
        primary(ns, 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> ready(ns, "web-").size() == 2
                && query("sum(up{namespace=\"gaps\"})") == 2);
        String canaryPod = target(ns).iterator().next();
        double before = requests(ns, canaryPod);

        status(ns, Phase.Ready, "ready", null);

        await().atMost(Duration.ofSeconds(5)).until(() -> scrape(ns, canaryPod).statusCode() == 503);
        long gapSeen = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> query("up{pod=\"" + canaryPod + "\"}") == 0);
        assertThat(ready(ns, "web-primary-")).allSatisfy(pod -> assertThat(scrape(ns, pod).statusCode())
                .as("the primary's pods are scraped as usual").isEqualTo(200));
        await().atMost(Duration.ofSeconds(10)).until(() -> scrape(ns, canaryPod).statusCode() == 200);
        assertThat(Duration.ofNanos(System.nanoTime() - gapSeen)).as("6s scenario time at time scale 2")
                .isLessThan(Duration.ofSeconds(4));
        // 50 requests/s went on being counted through the gap (3 s of it, at least).
        assertThat(requests(ns, canaryPod) - before).isGreaterThan(140);
        await().atMost(Duration.ofSeconds(10)).until(() -> query("up{pod=\"" + canaryPod + "\"}") == 1);
        assertThat(query("min_over_time(up{pod=~\"web-primary-.*\",namespace=\"gaps\"}[1m])"))
                .as("the primary was never missed").isEqualTo(1);
        assertThat(timeline).anyMatch(l -> l.endsWith("scrapes of the canary's pods fail for 6s (503); the pods "
                + "go on counting"));
    }

    /** The controller's primary copy of the target, named as it names it. */
    static void primary(String namespace, int replicas) {
        await().atMost(Duration.ofSeconds(10)).until(() -> client.apps().deployments().inNamespace(namespace)
                .withName(ScenarioRunner.APP).get() != null);
        var target = client.apps().deployments().inNamespace(namespace).withName(ScenarioRunner.APP).get();
        client.resource(new DeploymentBuilder().withNewMetadata().withName(ScenarioRunner.APP + "-primary")
                .withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().withMatchLabels(Map.of("app", "web-primary")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "web-primary")).endMetadata()
                .withSpec(target.getSpec().getTemplate().getSpec()).endTemplate()
                .endSpec().build()).create();
    }

    /** Ready pods whose name starts so. */
    static Set<String> ready(String namespace, String prefix) {
        return fleet.pods(namespace).stream().filter(p -> p.ready() && p.name().startsWith(prefix))
                .map(FleetSimulator.RunningPod::name).collect(Collectors.toSet());
    }

    /** The target's pods, ready or not: the canary's. */
    static Set<String> target(String namespace) {
        return fleet.pods(namespace).stream().map(FleetSimulator.RunningPod::name).filter(ScenarioRunner::canaryPod)
                .collect(Collectors.toSet());
    }

    static List<Node> nodes(Scenario s) {
        return client.nodes().withLabel(ScenarioRunner.SCENARIO_LABEL, s.name()).list().getItems();
    }

    static List<String> names(List<Node> nodes, java.util.function.Predicate<Node> which) {
        return nodes.stream().filter(which).map(n -> n.getMetadata().getName()).sorted().toList();
    }

    static boolean cordoned(Node n) {
        return Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    }

    static boolean ready(Node n) {
        return n.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready")
                && c.getStatus().equals("True"));
    }

    /** The pod's /metrics as Prometheus scrapes it: the path service discovery gives. */
    static HttpResponse<String> scrape(String namespace, String pod) throws IOException, InterruptedException {
        JsonNode groups = Serialization.jsonMapper().readTree(get(fleet.serviceDiscoveryUrl()).body());
        for (JsonNode g : groups) {
            if (pod.equals(g.path("labels").path("pod").asText())
                    && namespace.equals(g.path("labels").path("namespace").asText())) {
                return get("http://" + g.path("targets").get(0).asText() + g.path("labels").path("__metrics_path__")
                        .asText());
            }
        }
        throw new AssertionError("no target for " + pod);
    }

    /** Requests the pod has counted, from its /metrics. */
    static double requests(String namespace, String pod) throws IOException, InterruptedException {
        return scrape(namespace, pod).body().lines().filter(l -> l.startsWith("http_request_duration_seconds_count "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).sum();
    }

    /** An instant query's single value; NaN when it has none. */
    static double query(String promql) throws IOException, InterruptedException {
        JsonNode result = Serialization.jsonMapper().readTree(get(prometheus.url() + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body()).path("data").path("result");
        return result.size() == 1 ? result.get(0).path("value").get(1).asDouble() : Double.NaN;
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
