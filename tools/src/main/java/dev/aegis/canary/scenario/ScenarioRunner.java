package dev.aegis.canary.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.api.AnalysisSpec;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.SequentialSpec;
import dev.aegis.canary.api.TargetRef;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.rollout.Durations;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;
import dev.aegis.canary.sim.VersionBehaviour;
import dev.aegis.canary.workload.DaemonSetWorkloads;

/**
 * Plays a scenario against a running controller: creates the workload (a Deployment or StatefulSet, or a DaemonSet
 * and its nodes), its Canary and templates in a namespace of their own, waits for the Canary to be Ready, then
 * follows the timeline (pushing versions, changing how a version behaves, stopping Prometheus, nodes that come and
 * go, restarting the controller) while it watches the Canary, until the last release ends or the timeout. The
 * controller is the real one, working through the API server it was given; the runner only does what Git, the
 * pods and the operators of Prometheus would.
 */
public final class ScenarioRunner {

    /** The simulated Deployment, and its Canary. */
    public static final String APP = "web";
    static final Duration POLL = Duration.ofMillis(50);
    static final Duration FIRST_SIGHT = Duration.ofMinutes(2);
    private static final Pattern QUERIES = Pattern.compile(
            "(?m)^prometheus_http_requests_total\\{[^}]*handler=\"/api/v1/query\"[^}]*} ([0-9.e+]+)$");

    private final KubernetesClient client;
    private final FleetSimulator fleet;
    private final PrometheusProcess prometheus;
    private final Consumer<String> say;
    private final LongSupplier controllerRequests;
    private final Controller controller;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Duration firstSight = FIRST_SIGHT;
    private Nodes nodeKind = SIMULATED_NODES;

    /** How the cluster's nodes come and fail: the simulator's, or kwok's on a real control plane. */
    public interface Nodes {

        /** A node as its kubelet registers it, with these labels. */
        Node node(String name, Map<String, String> labels);

        /** Makes the node Ready or NotReady, as its kubelet would by reporting or by going silent. */
        void setReady(KubernetesClient client, String node, boolean ready);
    }

    /** The simulator's nodes: a Ready condition, set by a patch of that field alone. */
    public static final Nodes SIMULATED_NODES = new Nodes() {

        @Override
        public Node node(String name, Map<String, String> labels) {
            return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                    .withNewSpec().endSpec()
                    .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .endStatus().build();
        }

        @Override
        public void setReady(KubernetesClient client, String node, boolean ready) {
            setReadyCondition(client, node, ready);
        }
    };

    /** The controller the scenario plays against, for the events that happen to it. */
    public interface Controller {

        /** Kills the controller as a node failure would (nothing in memory survives) and starts a new one. */
        void restart();
    }

    /**
     * @param say where the timeline goes, one line per change
     * @param controllerRequests how many requests the controller made to the API so far; null where that is not
     *     counted
     * @param controller the controller, for {@code controller: restart}; null where it cannot be restarted
     */
    public ScenarioRunner(KubernetesClient client, FleetSimulator fleet, PrometheusProcess prometheus,
            Consumer<String> say, LongSupplier controllerRequests, Controller controller) {
        this.client = client;
        this.fleet = fleet;
        this.prometheus = prometheus;
        this.say = say;
        this.controllerRequests = controllerRequests;
        this.controller = controller;
    }

    /** How nodes are made and fail; the simulator's unless told otherwise. */
    public ScenarioRunner nodes(Nodes kind) {
        this.nodeKind = kind;
        return this;
    }

    /** How long a Canary may take to be first Ready; tests shorten it. */
    ScenarioRunner firstSight(Duration wait) {
        this.firstSight = wait;
        return this;
    }

    public static String image(Scenario s, String version) {
        return "registry.example/" + s.name() + ":" + version;
    }

    /** Runs the scenario in the namespace (created if missing) and says what happened. */
    public Summary run(Scenario s, String namespace) {
        List<String> problems = s.problems();
        if (!problems.isEmpty()) {
            throw new ScenarioMistake("scenario " + s.name() + ": " + String.join("; ", problems));
        }
        if (s.restartsController() && controller == null) {
            throw new ScenarioMistake("scenario " + s.name() + ": controller: restart needs the controller "
                    + "in a process of its own (java -jar tools/target/quarkus-app/quarkus-run.jar simulate ...)");
        }
        setUp(s, namespace);
        CanaryStatus invalid = awaitReady(s, namespace);
        if (invalid != null) {
            // The scenario expects the controller to refuse its Canary: it did, and nothing else happens.
            say.accept(String.format("%-9s phase Invalid: %s", "0.0s", invalid.getMessage()));
            return new Summary(s.name(), true, Phase.Invalid, invalid.getMessage(), Phase.Invalid, s.scale(), 0, 0,
                    List.of(new Summary.At(Phase.Invalid, 0)), List.of(), null, new Summary.Exposure(0, 0, 0, 0),
                    new Summary.Checks(0, 0, 0, 0), 0, null);
        }
        say.accept(String.format("%-9s %s: %s of %s, Ready; t=0", "0.0s", s.name(), daemonSet(s)
                ? s.nodes() + " nodes in " + s.zonesOrDefault() + " zones, one pod each"
                : s.replicas() + " pods", s.initialVersion()));
        Play play = new Play(s, namespace);
        long deadline = play.t0 + scaled(s.timeoutOrDefault(), s.scale()).toNanos();
        try {
            while (System.nanoTime() < deadline && !play.step()) {
                sleep(POLL);
            }
            return play.summary();
        } finally {
            prometheus.restart(); // a scenario that stopped it and ended first leaves it running for the next
        }
    }

    private void setUp(Scenario s, String namespace) {
        s.versions().forEach((v, b) -> fleet.setBehaviour(image(s, v), behaviour(b, s.scale())));
        if (client.namespaces().withName(namespace).get() == null) {
            client.resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                    .create();
        }
        for (String path : s.templates() == null ? List.<String>of() : s.templates()) {
            client.resource(template(path)).inNamespace(namespace).create();
        }
        if (daemonSet(s)) {
            for (int i = 1; i <= s.nodes(); i++) {
                client.resource(node(s, i)).create();
            }
            client.resource(daemonSet(s, namespace)).create();
        } else if (statefulSet(s)) {
            client.resource(statefulSet(s, namespace)).create();
        } else {
            client.resource(deployment(s, namespace)).create();
        }
        client.resource(canary(s, namespace)).create();
    }

    /**
     * Waits for the Canary's first Ready. An Invalid one will not become Ready until its spec changes, which a
     * scenario never does: it ends the play at once, with the controller's message (which names the field).
     *
     * @return null once Ready; the status when the Canary is Invalid and the scenario expects just that
     */
    private CanaryStatus awaitReady(Scenario s, String namespace) {
        long readyBy = System.nanoTime() + firstSight.toNanos();
        while (true) {
            CanaryStatus st = status(namespace);
            Phase phase = st == null ? null : st.getPhase();
            if (phase == Phase.Ready) {
                return null;
            }
            if (phase == Phase.Invalid && s.expect() != null && s.expect().phase() == Phase.Invalid) {
                return st;
            }
            if (phase == Phase.Invalid) {
                // The controller's message starts "invalid: ", which the line already says.
                throw new ScenarioMistake("scenario " + s.name() + ": the Canary is Invalid: "
                        + String.valueOf(st.getMessage()).replaceFirst("^invalid: ", ""));
            }
            if (System.nanoTime() > readyBy) {
                throw new ScenarioMistake(notReady(s.name(), st, firstSight));
            }
            sleep(POLL);
        }
    }

    /** A Canary not Ready in time, said with where it stands. */
    static String notReady(String scenario, CanaryStatus st, Duration waited) {
        String where = st == null || st.getPhase() == null
                ? "it has no status yet (is the controller running?)"
                : "phase " + st.getPhase() + (st.getMessage() == null ? "" : ": " + st.getMessage());
        return "scenario " + scenario + ": the Canary was not Ready " + waited.toSeconds() + "s after it was created; "
                + where;
    }

    /** One play of a scenario from t=0: fires its events when due and records what the Canary does. */
    private final class Play {

        final Scenario s;
        final String namespace;
        final double scale;
        /** The target's pods started after t=0: the canary's (the target's pods at t=0 may still be going). */
        final Predicate<String> canaryPods;
        final FleetSimulator.Served start;
        final long queriesBefore;
        final Long requestsBefore;
        final long t0 = System.nanoTime();
        final List<Scenario.Event> timed;
        final List<Scenario.Event> onSteps;
        final List<Summary.At> phases = new ArrayList<>();
        final List<Summary.Step> steps = new ArrayList<>();
        int next;
        boolean pushed;
        /** A release started since the last push: an end phase seen after it is this release's. */
        boolean runSeen;
        Phase lastPhase = Phase.Ready;
        Integer lastWeight;
        CanaryStatus last;
        Double onset;
        FleetSimulator.Served atOnset;
        Double decision;
        Double stable;

        Play(Scenario s, String namespace) {
            this.s = s;
            this.namespace = namespace;
            this.scale = s.scale();
            Set<String> before = fleet.pods(namespace).stream().map(FleetSimulator.RunningPod::name)
                    .collect(Collectors.toSet());
            this.canaryPods = pod -> canaryPod(pod) && !before.contains(pod);
            this.start = served();
            this.queriesBefore = prometheusQueries();
            this.requestsBefore = controllerRequests == null ? null : controllerRequests.getAsLong();
            List<Scenario.Event> all = s.timeline() == null ? List.of() : s.timeline();
            this.timed = all.stream().filter(e -> e.at() != null)
                    .sorted(Comparator.comparing(e -> Durations.parse(e.at()))).toList();
            // step events whose step never comes (the release ended before) are never fired
            this.onSteps = new ArrayList<>(all.stream().filter(e -> e.atStep() != null).toList());
            this.last = status(namespace);
        }

        double now() {
            return (System.nanoTime() - t0) / 1e9 * scale;
        }

        /** What the canary served so far: its pods', or for a StatefulSet, its versions'. */
        FleetSimulator.Served served() {
            String initial = image(s, s.initialVersion());
            return statefulSet(s)
                    ? fleet.servedByImage(namespace, image -> !image.equals(initial))
                    : fleet.served(namespace, canaryPods);
        }

        /** Fires what is due and looks at the Canary once; true when the last release has ended. */
        boolean step() {
            double now = now();
            for (Scenario.Event e : due(now)) {
                fire(e, now);
            }
            CanaryStatus st = status(namespace);
            if (st == null || st.getPhase() == null) {
                return false;
            }
            last = st;
            runSeen |= !isEnd(st.getPhase()) && st.getPhase() != Phase.Ready;
            if (st.getPhase() != lastPhase) {
                lastPhase = st.getPhase();
                phases.add(new Summary.At(lastPhase, round(now)));
                say.accept(String.format("%-9s phase %s: %s", seconds(now), lastPhase, st.getMessage()));
                if (onset != null && decision == null && (lastPhase == Phase.RolledBack || lastPhase == Phase.Failed)) {
                    decision = round(now - onset);
                }
            }
            if (st.getPhase() != Phase.Progressing) {
                lastWeight = null;
            } else if (st.getWeight() != null && !Objects.equals(st.getWeight(), lastWeight) && reached(st)) {
                lastWeight = st.getWeight();
                int effective = st.getEffectiveWeight() == null ? st.getWeight() : st.getEffectiveWeight();
                steps.add(new Summary.Step(st.getWeight(), effective, round(now)));
                say.accept(String.format("%-9s step %d/%d: %d%% (effective %d%%)", seconds(now),
                        st.getStepIndex() == null ? 0 : st.getStepIndex() + 1, stepCount(s), st.getWeight(),
                        effective));
            }
            if (!(pushed && runSeen && next == timed.size() && isEnd(st.getPhase()))) {
                return false;
            }
            if (st.getPhase() == Phase.Succeeded) {
                return true;
            }
            // Rolled back or failed: over once the canary has no pods left.
            if (canaryPodsRunning(s, namespace) > 0) {
                return false;
            }
            if (onset != null) {
                stable = round(now - onset);
            }
            return true;
        }

        private List<Scenario.Event> due(double now) {
            List<Scenario.Event> due = new ArrayList<>();
            while (next < timed.size() && Durations.parse(timed.get(next).at()).toMillis() / 1000.0 <= now) {
                due.add(timed.get(next++));
            }
            Integer weight = lastWeight;
            if (weight != null) {
                due.addAll(onSteps.stream().filter(e -> e.atStep().equals(weight)).toList());
                onSteps.removeIf(e -> e.atStep().equals(weight));
            }
            return due;
        }

        private void fire(Scenario.Event e, double now) {
            List<String> chosen = chosen(s, namespace, e);
            say.accept(String.format("%-9s %s", seconds(now), describe(e, chosen.size())));
            apply(s, namespace, e, chosen);
            if (e.push() != null) {
                pushed = true;
                runSeen = false;
            }
            if (Boolean.TRUE.equals(e.fault()) && onset == null) {
                onset = now;
                atOnset = served();
            }
        }

        Summary summary() {
            FleetSimulator.Served end = served();
            FleetSimulator.Served from = atOnset == null ? end : atOnset;
            // Pods serve their rate in real time: counted in scenario time, a faster run served scale times fewer.
            Summary.Exposure exposure = new Summary.Exposure(round(scale * (end.requests() - start.requests())),
                    round(scale * (end.failures() - start.failures())),
                    round(scale * (end.requests() - from.requests())),
                    round(scale * (end.failures() - from.failures())));
            Phase finalPhase = last == null ? null : last.getPhase();
            Scenario.Expect expect = s.expect() == null ? new Scenario.Expect(null, null, null, null) : s.expect();
            Integer lastStep = steps.isEmpty() ? null : steps.get(steps.size() - 1).weight();
            double took = now();
            boolean passed = (expect.phase() == null || expect.phase() == finalPhase)
                    && (expect.lastStep() == null || expect.lastStep().equals(lastStep))
                    && (expect.minScenarioSeconds() == null || took >= expect.minScenarioSeconds())
                    && (expect.maxCanaryFailedRequests() == null
                            || exposure.afterOnsetFailedRequests() <= expect.maxCanaryFailedRequests());
            Summary.Checks checks = last == null
                    ? new Summary.Checks(0, 0, 0, 0)
                    : new Summary.Checks(zero(last.getPassedChecks()), zero(last.getFailedChecks()),
                            zero(last.getNoDataChecks()), zero(last.getErrorChecks()));
            return new Summary(s.name(), passed, finalPhase, last == null ? null : last.getMessage(), expect.phase(),
                    scale, round(took),
                    round((System.nanoTime() - t0) / 1e9), phases, steps,
                    onset == null ? null : new Summary.Fault(round(onset), decision, stable), exposure, checks,
                    Math.max(0, prometheusQueries() - queriesBefore),
                    requestsBefore == null ? null : controllerRequests.getAsLong() - requestsBefore);
        }
    }

    private static boolean isEnd(Phase p) {
        return p == Phase.Succeeded || p == Phase.RolledBack || p == Phase.Failed;
    }

    /** A step counts as reached when its pods are ready: the effective weight is in the status. */
    private static boolean reached(CanaryStatus st) {
        return st.getStepReadyAt() != null;
    }

    private static int stepCount(Scenario s) {
        return s.canary().getSteps() == null ? 4 : s.canary().getSteps().size();
    }

    /** The canary's pods that run now (see {@link #canaryPods}). */
    private int canaryPodsRunning(Scenario s, String namespace) {
        return canaryPods(s, namespace).size();
    }

    static boolean canaryPod(String name) {
        return name.startsWith(APP + "-") && !name.startsWith(APP + "-primary-");
    }

    private static boolean daemonSet(Scenario s) {
        return s.kindOrDefault() == WorkloadKind.DaemonSet;
    }

    private static boolean statefulSet(Scenario s) {
        return s.kindOrDefault() == WorkloadKind.StatefulSet;
    }

    /**
     * The canary's pods now. A StatefulSet's keep their names across versions (web-0 … web-N): its canary is the pods
     * that run another image than the scenario's initial version. Otherwise, the target's own pods.
     */
    private List<FleetSimulator.RunningPod> canaryPods(Scenario s, String namespace) {
        String initial = image(s, s.initialVersion());
        return fleet.pods(namespace).stream()
                .filter(p -> statefulSet(s) ? !p.image().equals(initial) : canaryPod(p.name())).toList();
    }

    /**
     * The nodes or pods an event acts on, chosen when it fires (the canary's move as the release goes); empty for
     * other events.
     */
    private List<String> chosen(Scenario s, String namespace, Scenario.Event e) {
        if (e.nodes() != null) {
            return nodesTaken(s, namespace, e.nodes());
        }
        if (e.pods() != null) {
            Integer n = Scenario.count(e.pods().deleteCanary());
            // The serving ones first, as those are what an eviction costs.
            return canaryPods(s, namespace).stream()
                    .sorted(Comparator.comparing((FleetSimulator.RunningPod p) -> !p.ready())
                            .thenComparing(FleetSimulator.RunningPod::name))
                    .limit(n == null ? Long.MAX_VALUE : n).map(FleetSimulator.RunningPod::name).toList();
        }
        return List.of();
    }

    private void apply(Scenario s, String namespace, Scenario.Event e, List<String> chosen) {
        if (e.push() != null) {
            // As Git would: a write of the field, not a read-modify-write that the controller's writes could refuse.
            String patch = "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\""
                    + image(s, e.push()) + "\"}]";
            if (daemonSet(s)) {
                client.apps().daemonSets().inNamespace(namespace).withName(APP).patch(PatchContext.of(
                        PatchType.JSON), patch);
            } else if (statefulSet(s)) {
                client.apps().statefulSets().inNamespace(namespace).withName(APP).patch(PatchContext.of(
                        PatchType.JSON), patch);
            } else {
                client.apps().deployments().inNamespace(namespace).withName(APP).patch(PatchContext.of(
                        PatchType.JSON), patch);
            }
        } else if (e.nodes() != null) {
            changeNodes(s, e.nodes(), chosen);
        } else if (e.pods() != null) {
            chosen.forEach(pod -> fleet.deletePod(namespace, pod));
        } else if (e.metrics() != null) {
            Set<String> canary = canaryPods(s, namespace).stream().map(FleetSimulator.RunningPod::name)
                    .collect(Collectors.toSet());
            fleet.failScrapes(namespace, e.metrics().canaryOnly()
                    ? statefulSet(s) ? canary::contains : ScenarioRunner::canaryPod
                    : pod -> true,
                    scaled(Durations.parse(e.metrics().gap()), s.scale()));
        } else if (e.controller() != null) {
            controller.restart();
        } else if (e.set() != null) {
            VersionBehaviour b = fleet.behaviourOf(image(s, e.set().version()));
            if (e.set().errorRatio() != null) {
                b = b.withErrorRatio(e.set().errorRatio());
            }
            if (e.set().latencyP50Ms() != null || e.set().latencyP99Ms() != null) {
                b = b.withLatency(e.set().latencyP50Ms() != null ? e.set().latencyP50Ms() : b.latencyP50Ms(),
                        e.set().latencyP99Ms() != null ? e.set().latencyP99Ms() : b.latencyP99Ms());
            }
            fleet.setBehaviour(image(s, e.set().version()), b);
        } else if ("stop".equals(e.prometheus())) {
            prometheus.stop();
        } else {
            prometheus.restart();
        }
    }

    /** What the timeline says of an event; {@code taken} is how many nodes or pods it acts on. */
    private static String describe(Scenario.Event e, int taken) {
        String what;
        if (e.push() != null) {
            what = "push " + e.push();
        } else if (e.set() != null) {
            what = "version " + e.set().version() + " now behaves: " + change(e.set());
        } else if (e.prometheus() != null) {
            what = "Prometheus " + (e.prometheus().equals("stop") ? "stopped" : "started");
        } else if (e.nodes() != null) {
            Scenario.NodeChange n = e.nodes();
            String nodes = (n.takesCanaryNodes() ? "the canary's " : "") + count(taken, "node");
            what = n.add() != null
                    ? count(n.add(), "node") + " join"
                    : n.remove() != null
                            ? nodes + " removed"
                            : n.notReady() != null
                                    ? nodes + " NotReady"
                                    : n.cordon() != null
                                            ? nodes + " cordoned"
                                            : n.uncordon() != null
                                                    ? nodes + " uncordoned"
                                                    : nodes + " Ready again";
        } else if (e.pods() != null) {
            what = count(taken, "canary pod") + " deleted, as by an eviction; their controller makes new ones";
        } else if (e.metrics() != null) {
            what = "scrapes of " + (e.metrics().canaryOnly() ? "the canary's pods" : "every pod") + " fail for "
                    + e.metrics().gap() + " (503); the pods go on counting";
        } else {
            what = "controller killed (SIGKILL); a new one starts";
        }
        return what + (Boolean.TRUE.equals(e.fault()) ? "  (fault onset)" : "");
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String change(Scenario.Change c) {
        List<String> parts = new ArrayList<>();
        if (c.errorRatio() != null) {
            parts.add("errors " + c.errorRatio() * 100 + "%");
        }
        if (c.latencyP50Ms() != null) {
            parts.add("p50 " + c.latencyP50Ms() + " ms");
        }
        if (c.latencyP99Ms() != null) {
            parts.add("p99 " + c.latencyP99Ms() + " ms");
        }
        return String.join(", ", parts);
    }

    /** A version's behaviour; its readiness time is scenario time, so scaled. */
    static VersionBehaviour behaviour(Scenario.Version v, double scale) {
        VersionBehaviour b = VersionBehaviour.healthy();
        if (v == null) {
            return b;
        }
        if (v.errorRatio() != null) {
            b = b.withErrorRatio(v.errorRatio());
        }
        if (v.latencyP50Ms() != null || v.latencyP99Ms() != null) {
            b = b.withLatency(v.latencyP50Ms() != null ? v.latencyP50Ms() : b.latencyP50Ms(),
                    v.latencyP99Ms() != null ? v.latencyP99Ms() : b.latencyP99Ms());
        }
        if (v.traffic() != null) {
            b = b.withTrafficShare(v.traffic());
        }
        if (v.readyAfter() != null) {
            b = b.withReadyAfter(scaled(Durations.parse(v.readyAfter()), scale));
        }
        return b;
    }

    /** Nodes of a scenario carry this label, which its DaemonSet selects: scenarios never share nodes. */
    static final String SCENARIO_LABEL = "simulate.aegis.dev/scenario";
    static final String ZONE = "topology.kubernetes.io/zone";

    private Node node(Scenario s, int index) {
        return nodeKind.node(String.format("%s-node-%04d", s.name(), index), Map.of(SCENARIO_LABEL, s.name(), ZONE,
                "zone-" + (char) ('a' + (index - 1) % s.zonesOrDefault())));
    }

    private List<Node> nodes(Scenario s) {
        return client.nodes().withLabel(SCENARIO_LABEL, s.name()).list().getItems().stream()
                .sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList();
    }

    private static boolean ready(Node n) {
        return n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean cordoned(Node n) {
        return n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    }

    /**
     * The nodes a change acts on, by name: those that leave, fail or are cordoned are the canary's first, then the
     * primary's, in name order; {@code canary} takes every node labelled as running the canary now. Empty for nodes
     * that join.
     */
    private List<String> nodesTaken(Scenario s, String namespace, Scenario.NodeChange change) {
        List<Node> all = nodes(s);
        if (change.ready() != null) {
            return names(all.stream().filter(n -> !ready(n)).limit(change.ready()));
        }
        if (change.uncordon() != null) {
            return names(all.stream().filter(ScenarioRunner::cordoned).limit(change.uncordon()));
        }
        String written = change.remove() != null
                ? change.remove()
                : change.notReady() != null ? change.notReady() : change.cordon();
        if (written == null) {
            return List.of();
        }
        String label = DaemonSetWorkloads.nodeLabel(canary(s, namespace));
        Predicate<Node> onCanary = n -> n.getMetadata().getLabels() != null
                && DaemonSetWorkloads.CANARY.equals(n.getMetadata().getLabels().get(label));
        Integer count = Scenario.count(written);
        Predicate<Node> changes;
        if (change.cordon() != null) {
            changes = n -> !cordoned(n);
        } else if (change.notReady() != null) {
            changes = ScenarioRunner::ready;
        } else {
            // Counted removals take nodes that serve; "canary" takes every canary node, serving or not.
            changes = count == null ? n -> true : ScenarioRunner::ready;
        }
        return names(all.stream().filter(changes).filter(count == null ? onCanary : n -> true)
                .sorted(Comparator.comparing((Node n) -> !onCanary.test(n)).thenComparing(n -> n.getMetadata()
                        .getName()))
                .limit(count == null ? Long.MAX_VALUE : count));
    }

    private static List<String> names(Stream<Node> nodes) {
        return nodes.map(n -> n.getMetadata().getName()).toList();
    }

    /** Nodes join, leave, fail, recover, are cordoned or uncordoned: the chosen ones, or new ones. */
    private void changeNodes(Scenario s, Scenario.NodeChange change, List<String> chosen) {
        if (change.add() != null) {
            int last = nodes(s).stream().mapToInt(n -> Integer.parseInt(n.getMetadata().getName().substring(
                    n.getMetadata().getName().lastIndexOf('-') + 1))).max().orElse(0);
            for (int i = 1; i <= change.add(); i++) {
                client.resource(node(s, last + i)).create();
            }
            return;
        }
        for (String name : chosen) {
            if (change.remove() != null) {
                client.nodes().withName(name).delete();
            } else if (change.notReady() != null || change.ready() != null) {
                nodeKind.setReady(client, name, change.ready() != null);
            } else {
                // As kubectl cordon and uncordon do: the field alone, whatever else the controller writes.
                client.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"unschedulable\":" + (change.cordon() != null) + "}}");
            }
        }
    }

    /**
     * Sets the node's Ready condition, as its kubelet would: a patch of that field alone, which the simulator's and
     * the controller's writes to the node (taints, labels) cannot make conflict.
     */
    static void setReadyCondition(KubernetesClient client, String node, boolean ready) {
        List<NodeCondition> conditions = client.nodes().withName(node).get()
                .getStatus().getConditions();
        for (int i = 0; i < conditions.size(); i++) {
            if ("Ready".equals(conditions.get(i).getType())) {
                String at = "/status/conditions/" + i;
                client.nodes().withName(node).subresource("status").patch(PatchContext.of(PatchType.JSON),
                        "[{\"op\":\"test\",\"path\":\"" + at + "/type\",\"value\":\"Ready\"},"
                                + "{\"op\":\"replace\",\"path\":\"" + at + "/status\",\"value\":\""
                                + (ready ? "True" : "False") + "\"}]");
            }
        }
    }

    private DaemonSet daemonSet(Scenario s, String namespace) {
        return new DaemonSetBuilder()
                .withNewMetadata().withName(APP).withNamespace(namespace).withLabels(Map.of("app", APP))
                .endMetadata()
                .withNewSpec()
                .withNewSelector().withMatchLabels(Map.of("app", APP)).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString("10%")).endRollingUpdate().endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(Map.of("app", APP)).endMetadata()
                .withNewSpec()
                .withNodeSelector(Map.of(SCENARIO_LABEL, s.name()))
                .withContainers(new ContainerBuilder().withName(APP).withImage(image(s, s.initialVersion())).build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private StatefulSet statefulSet(Scenario s, String namespace) {
        return new StatefulSetBuilder()
                .withNewMetadata().withName(APP).withNamespace(namespace).withLabels(Map.of("app", APP))
                .endMetadata()
                .withNewSpec()
                .withReplicas(s.replicas())
                .withServiceName(APP)
                .withNewSelector().withMatchLabels(Map.of("app", APP)).endSelector()
                .withTemplate(podTemplate(s))
                .endSpec()
                .build();
    }

    /** The pods of the scenario's workload: its initial version. */
    private static PodTemplateSpec podTemplate(Scenario s) {
        return new PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(Map.of("app", APP)).endMetadata()
                .withNewSpec()
                .withContainers(new ContainerBuilder().withName(APP).withImage(image(s, s.initialVersion())).build())
                .endSpec()
                .build();
    }

    private Deployment deployment(Scenario s, String namespace) {
        return new DeploymentBuilder()
                .withNewMetadata().withName(APP).withNamespace(namespace).withLabels(Map.of("app", APP))
                .endMetadata()
                .withNewSpec()
                .withReplicas(s.replicas())
                .withNewSelector().withMatchLabels(Map.of("app", APP)).endSelector()
                .withTemplate(podTemplate(s))
                .endSpec()
                .build();
    }

    /** The scenario's Canary spec on the simulated workload, its durations scaled. */
    static Canary canary(Scenario s, String namespace) {
        CanarySpec spec = Serialization.clone(s.canary());
        spec.setTargetRef(new TargetRef(s.kindOrDefault(), APP));
        double scale = s.scale();
        if (spec.getAnalysis() != null && spec.getAnalysis().getInterval() != null) {
            spec.getAnalysis().setInterval(scaled(spec.getAnalysis().getInterval(), scale));
        }
        if (spec.getAnalysis() != null && spec.getAnalysis().getJudge() == AnalysisSpec.JudgeType.sequential) {
            // minDwell and maxDwell are scenario time too, their defaults included.
            SequentialSpec seq = spec.getAnalysis().getSequential() == null
                    ? new SequentialSpec()
                    : spec.getAnalysis().getSequential();
            seq.setMinDwell(scaled(Objects.requireNonNullElse(seq.getMinDwell(), SequentialSpec.DEFAULT_MIN_DWELL),
                    scale));
            seq.setMaxDwell(scaled(Objects.requireNonNullElse(seq.getMaxDwell(), SequentialSpec.DEFAULT_MAX_DWELL),
                    scale));
            spec.getAnalysis().setSequential(seq);
        }
        if (spec.getProgressDeadline() != null) {
            spec.setProgressDeadline(scaled(spec.getProgressDeadline(), scale));
        }
        Canary canary = new Canary();
        canary.getMetadata().setName(APP);
        canary.getMetadata().setNamespace(namespace);
        canary.setSpec(spec);
        return canary;
    }

    /** A duration written in a spec ("1m"), scaled and written back. */
    private static String scaled(String duration, double scale) {
        return Durations.format(scaled(Durations.parse(duration), scale));
    }

    static Duration scaled(Duration d, double scale) {
        return Duration.ofMillis(Math.max(1, Math.round(d.toMillis() / scale)));
    }

    private static AnalysisTemplate template(String path) {
        try (InputStream in = ScenarioRunner.class.getResourceAsStream("/analysis-templates/" + path)) {
            if (in == null) {
                throw new ScenarioMistake("templates: analysis-templates/" + path + " does not exist");
            }
            return Serialization.unmarshal(in, AnalysisTemplate.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CanaryStatus status(String namespace) {
        Canary c = client.resources(Canary.class).inNamespace(namespace).withName(APP).get();
        return c == null ? null : c.getStatus();
    }

    /** Queries Prometheus has answered since it started, from its own metrics; 0 when it cannot be asked. */
    private long prometheusQueries() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prometheus.url() + "/metrics"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            long total = 0;
            Matcher m = QUERIES.matcher(r.body());
            while (m.find()) {
                total += (long) Double.parseDouble(m.group(1));
            }
            return total;
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static int zero(Integer n) {
        return n == null ? 0 : n;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static String seconds(double v) {
        return String.format(java.util.Locale.ROOT, "%.1fs", v);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
