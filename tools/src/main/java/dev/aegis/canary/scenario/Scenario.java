package dev.aegis.canary.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.rollout.Durations;

/**
 * A release to simulate, as written in a scenario file: the workload, the versions and how they behave, the Canary
 * spec, and what happens when. Times are scenario time; {@link #timeScale()} runs them that many times faster (the
 * Canary's durations shrink with them), and results are given back in scenario time.
 *
 * @param name a name for reports
 * @param description what the scenario shows
 * @param timeScale how many times faster than written the scenario runs; default 1
 * @param kind the workload: Deployment (default) or DaemonSet
 * @param replicas pods of the Deployment
 * @param nodes nodes the DaemonSet runs on, one pod each
 * @param zones zones the nodes are spread over, as topology.kubernetes.io/zone labels; default 3
 * @param versions each version's behaviour, by name
 * @param initialVersion the version the workload runs when the Canary first sees it
 * @param templates AnalysisTemplates to apply, as paths under analysis-templates/
 * @param canary the Canary's spec (its targetRef is the simulated Deployment's)
 * @param timeline what happens, in order of time
 * @param timeout scenario time after which the run is given up; default 1h
 * @param expect the outcome the scenario must have
 */
@RegisterForReflection
public record Scenario(String name, String description, Double timeScale, WorkloadKind kind, Integer replicas,
        Integer nodes, Integer zones,
        Map<String, Version> versions, String initialVersion, List<String> templates, CanarySpec canary,
        List<Event> timeline, String timeout, Expect expect) {

    /**
     * How one version's pods behave.
     *
     * @param errorRatio share of requests answered with a 500, 0..1; default 0.001
     * @param latencyP50Ms median latency, ms; default 20
     * @param latencyP99Ms 99th percentile latency, ms; default 80
     * @param traffic the share of the usual 50 requests/s its pods get; default 1, 0 for a version nobody calls
     * @param readyAfter how long a new pod takes to become ready, e.g. "10s"; default 300ms
     */
    @RegisterForReflection
    public record Version(Double errorRatio, Double latencyP50Ms, Double latencyP99Ms, Double traffic,
            String readyAfter) {
    }

    /**
     * One thing that happens. Exactly one of push, set, prometheus, nodes, pods, metrics or controller.
     *
     * @param at scenario time since the Canary was first Ready, e.g. "2m"
     * @param atStep instead of a time: when the release reaches the step of this weight
     * @param push Git changes the Deployment to this version
     * @param set a version starts behaving so from now on (its name in {@code version})
     * @param prometheus "stop" or "start": the Prometheus the controller asks goes away or comes back
     * @param nodes the DaemonSet's nodes join, leave, fail, recover, are cordoned or uncordoned
     * @param pods the canary's pods are deleted, as an eviction would
     * @param metrics the pods' metrics cannot be scraped for a while
     * @param controller "restart": the controller process is killed (SIGKILL) and a new one starts
     * @param fault true when this is where the trouble starts: fault timings and exposure count from here
     */
    @RegisterForReflection
    public record Event(String at, Integer atStep, String push, Change set, String prometheus, NodeChange nodes,
            PodChange pods, MetricsChange metrics, String controller, Boolean fault) {
    }

    /** Written instead of a count: every node that runs the canary; for metrics, the canary's pods only. */
    static final String CANARY = "canary";
    /** Written instead of a count: every canary pod; for metrics, every pod. */
    static final String ALL = "all";

    /**
     * A change to the DaemonSet's nodes; exactly one field. Nodes that leave, fail or are cordoned are the canary's
     * first (the hardest case: its share has to be found again elsewhere), then the primary's, in name order;
     * {@code canary} instead of a count takes every node labelled as running the canary at that moment.
     *
     * @param add new nodes join, Ready, spread over the zones
     * @param remove nodes are deleted, with their pods: a count, or canary
     * @param notReady nodes turn NotReady (their pods stop serving): a count, or canary
     * @param ready NotReady nodes become Ready again
     * @param cordon nodes get spec.unschedulable (their pods keep running, as DaemonSet pods do): a count, or canary
     * @param uncordon cordoned nodes are schedulable again
     */
    @RegisterForReflection
    public record NodeChange(Integer add, String remove, String notReady, Integer ready, String cordon,
            Integer uncordon) {

        int fieldsSet() {
            return (int) Stream.of(add, remove, notReady, ready, cordon, uncordon)
                    .filter(Objects::nonNull).count();
        }

        /** Whether the nodes taken are every canary node rather than a count. */
        boolean takesCanaryNodes() {
            return CANARY.equals(remove) || CANARY.equals(notReady) || CANARY.equals(cordon);
        }
    }

    /**
     * The canary's pods (the target's, not the primary's) are deleted, as an eviction would; their controller makes
     * new ones, which become ready after their version's readyAfter.
     *
     * @param deleteCanary how many: a count, or all
     */
    @RegisterForReflection
    public record PodChange(String deleteCanary) {
    }

    /**
     * For a while every pod's /metrics answers 503: Prometheus records failed scrapes (up 0) and no samples, while
     * the pods go on serving and counting, as when a scrape target or the network hiccups.
     *
     * @param gap how long, scenario time, e.g. "20s"
     * @param pods whose scrapes fail: all (default) or canary (the target's pods)
     */
    @RegisterForReflection
    public record MetricsChange(String gap, String pods) {

        boolean canaryOnly() {
            return CANARY.equals(pods);
        }
    }

    /** A version's new behaviour: only the fields given change. */
    @RegisterForReflection
    public record Change(String version, Double errorRatio, Double latencyP50Ms, Double latencyP99Ms) {
    }

    /**
     * @param phase the phase the last release must end in
     * @param lastStep the weight of the last step the release reached
     * @param maxCanaryFailedRequests most failed requests the canary may serve from the fault on
     * @param minScenarioSeconds least time the release must take (an outage that holds it, not skips it)
     */
    @RegisterForReflection
    public record Expect(Phase phase, Integer lastStep, Double maxCanaryFailedRequests, Double minScenarioSeconds) {
    }

    public WorkloadKind kindOrDefault() {
        return kind == null ? WorkloadKind.Deployment : kind;
    }

    public int zonesOrDefault() {
        return zones == null ? 3 : zones;
    }

    /** Whether the timeline restarts the controller: then the controller runs as a process of its own. */
    public boolean restartsController() {
        return timeline != null && timeline.stream().anyMatch(e -> e.controller() != null);
    }

    public double scale() {
        return timeScale == null ? 1 : timeScale;
    }

    public Duration timeoutOrDefault() {
        return timeout == null ? Duration.ofHours(1) : Durations.parse(timeout);
    }

    /** What is wrong with the scenario, each naming its field; empty when it can run. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (name == null || !name.matches("[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?")) {
            out.add("name must be a DNS label of at most 42 characters (it names the namespace), got " + name);
        }
        if (timeScale != null && (timeScale < 1 || timeScale > 600)) {
            out.add("timeScale must be in 1..600, got " + timeScale);
        }
        if (kindOrDefault() != WorkloadKind.DaemonSet) {
            if (replicas == null || replicas < 1 || replicas > 500) {
                out.add("replicas must be in 1..500, got " + replicas);
            }
            if (nodes != null) {
                out.add("nodes is for a DaemonSet; a " + kindOrDefault() + " has replicas");
            }
        } else {
            if (nodes == null || nodes < 1 || nodes > 2000) {
                out.add("nodes must be in 1..2000 for a DaemonSet, got " + nodes);
            }
            if (replicas != null) {
                out.add("replicas is for a Deployment; a DaemonSet runs one pod on each of its nodes");
            }
            if (zones != null && (zones < 1 || zones > 26)) {
                out.add("zones must be in 1..26, got " + zones);
            }
        }
        if (versions == null || versions.isEmpty()) {
            out.add("versions must name at least one version");
        } else {
            versions.forEach((v, b) -> {
                if (b != null && b.errorRatio() != null && (b.errorRatio() < 0 || b.errorRatio() > 1)) {
                    out.add("versions." + v + ".errorRatio must be in 0..1, got " + b.errorRatio());
                }
                if (b != null && b.traffic() != null && b.traffic() < 0) {
                    out.add("versions." + v + ".traffic must be at least 0, got " + b.traffic());
                }
                if (b != null && b.readyAfter() != null) {
                    duration("versions." + v + ".readyAfter", b.readyAfter(), out);
                }
            });
        }
        if (initialVersion == null || versions == null || !versions.containsKey(initialVersion)) {
            out.add("initialVersion must be one of versions, got " + initialVersion);
        }
        if (canary == null) {
            out.add("canary (the Canary's spec) is required");
        }
        if (timeout != null) {
            duration("timeout", timeout, out);
        }
        List<Event> events = timeline == null ? List.of() : timeline;
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            String at = "timeline[" + i + "]";
            if ((e.at() == null) == (e.atStep() == null)) {
                out.add(at + " needs exactly one of at (a time) and atStep (a step's weight)");
            } else if (e.at() != null) {
                duration(at + ".at", e.at(), out);
            } else if (canary != null && canary.getSteps() != null && !canary.getSteps().contains(e.atStep())) {
                out.add(at + ".atStep must be one of canary.steps " + canary.getSteps() + ", got " + e.atStep());
            }
            int kinds = (int) Stream.of(e.push(), e.set(), e.prometheus(), e.nodes(), e.pods(),
                    e.metrics(), e.controller()).filter(Objects::nonNull).count();
            if (kinds != 1) {
                out.add(at + " needs exactly one of push, set, prometheus, nodes, pods, metrics, controller");
            }
            if (e.nodes() != null) {
                nodeChange(at + ".nodes", e.nodes(), out);
            }
            if (e.pods() != null) {
                if (e.pods().deleteCanary() == null) {
                    out.add(at + ".pods needs deleteCanary (a count, or all)");
                }
                count(at + ".pods.deleteCanary", e.pods().deleteCanary(), 500, ALL, "every canary pod", out);
            }
            if (e.metrics() != null) {
                duration(at + ".metrics.gap", e.metrics().gap(), out);
                if (Duration.ZERO.equals(parsedOrNull(e.metrics().gap()))) {
                    out.add(at + ".metrics.gap must be longer than 0s, got " + e.metrics().gap());
                }
                if (e.metrics().pods() != null && !List.of(ALL, CANARY).contains(e.metrics().pods())) {
                    out.add(at + ".metrics.pods must be all or canary, got " + e.metrics().pods());
                }
            }
            if (e.controller() != null && !e.controller().equals("restart")) {
                out.add(at + ".controller must be restart, got " + e.controller());
            }
            if (e.push() != null && (versions == null || !versions.containsKey(e.push()))) {
                out.add(at + ".push must be one of versions, got " + e.push());
            }
            if (e.set() != null && (versions == null || !versions.containsKey(e.set().version()))) {
                out.add(at + ".set.version must be one of versions, got " + e.set().version());
            }
            if (e.prometheus() != null && !List.of("stop", "start").contains(e.prometheus())) {
                out.add(at + ".prometheus must be stop or start, got " + e.prometheus());
            }
        }
        return out;
    }

    private void nodeChange(String field, NodeChange n, List<String> out) {
        if (kindOrDefault() != WorkloadKind.DaemonSet) {
            out.add(field + " needs kind: DaemonSet");
        }
        if (n.fieldsSet() != 1) {
            out.add(field + " needs exactly one of add, remove, notReady, ready, cordon, uncordon");
        }
        String everyCanaryNode = "every node that runs the canary";
        count(field + ".remove", n.remove(), 2000, CANARY, everyCanaryNode, out);
        count(field + ".notReady", n.notReady(), 2000, CANARY, everyCanaryNode, out);
        count(field + ".cordon", n.cordon(), 2000, CANARY, everyCanaryNode, out);
        range(field + ".add", n.add(), out);
        range(field + ".ready", n.ready(), out);
        range(field + ".uncordon", n.uncordon(), out);
    }

    private static void range(String field, Integer n, List<String> out) {
        if (n != null && (n < 1 || n > 2000)) {
            out.add(field + " must be in 1..2000, got " + n);
        }
    }

    /** A count as written; null when it is not a number (the word that takes all, or nothing written). */
    static Integer count(String value) {
        try {
            return value == null ? null : Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void count(String field, String value, int max, String word, String meaning, List<String> out) {
        if (value == null || value.equals(word)) {
            return;
        }
        Integer n = count(value);
        if (n == null || n < 1 || n > max) {
            out.add(field + " must be in 1.." + max + " or " + word + " (" + meaning + "), got " + value);
        }
    }

    private static Duration parsedOrNull(String value) {
        try {
            return value == null ? null : Durations.parse(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void duration(String field, String value, List<String> out) {
        try {
            if (value == null) {
                out.add(field + " is required (a duration such as 90s or 2m)");
            } else {
                Durations.parse(value);
            }
        } catch (IllegalArgumentException e) {
            out.add(field + " must be a duration such as 90s or 2m, got " + value);
        }
    }
}
