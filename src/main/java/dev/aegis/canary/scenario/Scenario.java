package dev.aegis.canary.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
     * One thing that happens. Exactly one of push, set, prometheus, nodes or controller.
     *
     * @param at scenario time since the Canary was first Ready, e.g. "2m"
     * @param atStep instead of a time: when the release reaches the step of this weight
     * @param push Git changes the Deployment to this version
     * @param set a version starts behaving so from now on (its name in {@code version})
     * @param prometheus "stop" or "start": the Prometheus the controller asks goes away or comes back
     * @param nodes the DaemonSet's nodes join, leave, fail or recover
     * @param controller "restart": the controller process is killed (SIGKILL) and a new one starts
     * @param fault true when this is where the trouble starts: fault timings and exposure count from here
     */
    @RegisterForReflection
    public record Event(String at, Integer atStep, String push, Change set, String prometheus, NodeChange nodes,
            String controller, Boolean fault) {
    }

    /**
     * A change to the DaemonSet's nodes; exactly one field. Nodes that leave or fail are the canary's first (the
     * hardest case: its share has to be found again elsewhere), then the primary's, in name order.
     *
     * @param add new nodes join, Ready, spread over the zones
     * @param remove nodes are deleted, with their pods
     * @param notReady nodes turn NotReady (their pods stop serving)
     * @param ready NotReady nodes become Ready again
     */
    @RegisterForReflection
    public record NodeChange(Integer add, Integer remove, Integer notReady, Integer ready) {

        int fieldsSet() {
            return (add != null ? 1 : 0) + (remove != null ? 1 : 0) + (notReady != null ? 1 : 0)
                    + (ready != null ? 1 : 0);
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
        if (kindOrDefault() == WorkloadKind.Deployment) {
            if (replicas == null || replicas < 1 || replicas > 500) {
                out.add("replicas must be in 1..500, got " + replicas);
            }
            if (nodes != null) {
                out.add("nodes is for a DaemonSet; a Deployment has replicas");
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
            int kinds = (e.push() != null ? 1 : 0) + (e.set() != null ? 1 : 0) + (e.prometheus() != null ? 1 : 0)
                    + (e.nodes() != null ? 1 : 0) + (e.controller() != null ? 1 : 0);
            if (kinds != 1) {
                out.add(at + " needs exactly one of push, set, prometheus, nodes, controller");
            }
            if (e.nodes() != null) {
                if (kindOrDefault() != WorkloadKind.DaemonSet) {
                    out.add(at + ".nodes needs kind: DaemonSet");
                }
                if (e.nodes().fieldsSet() != 1) {
                    out.add(at + ".nodes needs exactly one of add, remove, notReady, ready");
                }
                for (Integer n : Arrays.asList(e.nodes().add(), e.nodes().remove(), e.nodes().notReady(),
                        e.nodes().ready())) {
                    if (n != null && (n < 1 || n > 2000)) {
                        out.add(at + ".nodes counts must be in 1..2000, got " + n);
                    }
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
