package dev.aegis.canary.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.api.Canary;

class ScenarioTest {

    static Scenario parse(String yaml) {
        return Serialization.unmarshal(yaml, Scenario.class);
    }

    @Test
    void aScenarioWithEveryMistakeNamesEachField() {
        Scenario s = parse("""
                name: Bad_Name
                timeScale: 1000
                replicas: 0
                versions: {v1: {errorRatio: 2, readyAfter: later}}
                initialVersion: v9
                timeline:
                  - {at: soon, push: v3}
                  - {at: 1m, push: v1, prometheus: stop}
                  - {at: 2m, prometheus: pause}
                """);
        assertThat(s.problems()).containsExactly(
                "name must be a DNS label of at most 42 characters (it names the namespace), got Bad_Name",
                "timeScale must be in 1..600, got 1000.0",
                "replicas must be in 1..500, got 0",
                "versions.v1.errorRatio must be in 0..1, got 2.0",
                "versions.v1.readyAfter must be a duration such as 90s or 2m, got later",
                "initialVersion must be one of versions, got v9",
                "canary (the Canary's spec) is required",
                "timeline[0].at must be a duration such as 90s or 2m, got soon",
                "timeline[0].push must be one of versions, got v3",
                "timeline[1] needs exactly one of push, set, prometheus, nodes, pods, metrics, controller",
                "timeline[2].prometheus must be stop or start, got pause");
    }

    @Test
    void theCanarysDurationsShrinkWithTheTimeScaleAndItTargetsTheSimulatedDeployment() {
        Scenario s = parse("""
                name: fast
                timeScale: 15
                replicas: 4
                versions: {v1: {}}
                initialVersion: v1
                canary:
                  analysis: {interval: 1m}
                  progressDeadline: 10m
                """);
        assertThat(s.problems()).isEmpty();
        Canary c = ScenarioRunner.canary(s, "ns");
        assertThat(c.getSpec().getAnalysis().getInterval()).isEqualTo("4s");
        assertThat(c.getSpec().getProgressDeadline()).isEqualTo("40s");
        assertThat(c.getSpec().getTargetRef().getName()).isEqualTo(ScenarioRunner.APP);
        assertThat(s.canary().getAnalysis().getInterval()).as("the scenario itself is left as written")
                .isEqualTo("1m");
        assertThat(ScenarioRunner.scaled(Duration.ofSeconds(10), 3)).isEqualTo(Duration.ofMillis(3333));
    }

    @Test
    void nodeAndControllerEventsNameWhatIsWrong() {
        Scenario s = parse("""
                name: churn
                kind: DaemonSet
                replicas: 3
                zones: 30
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                timeline:
                  - {at: 1m, nodes: {add: 2, remove: 1}}
                  - {at: 2m, nodes: {notReady: 0}}
                  - {at: 3m, controller: stop}
                """);
        assertThat(s.problems()).containsExactly(
                "nodes must be in 1..2000 for a DaemonSet, got null",
                "replicas is for a Deployment; a DaemonSet runs one pod on each of its nodes",
                "zones must be in 1..26, got 30",
                "timeline[0].nodes needs exactly one of add, remove, notReady, ready, cordon, uncordon",
                "timeline[1].nodes.notReady must be in 1..2000 or canary (every node that runs the canary), got 0",
                "timeline[2].controller must be restart, got stop");
        Scenario deployment = parse("""
                name: churn
                replicas: 3
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                timeline:
                  - {at: 1m, nodes: {add: 2}}
                """);
        assertThat(deployment.problems()).containsExactly("timeline[0].nodes needs kind: DaemonSet");
        assertThat(parse("""
                name: restarts
                replicas: 3
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                timeline:
                  - {atStep: 10, controller: restart}
                """).restartsController()).isTrue();
    }

    @Test
    void nodesPodsAndScrapeGapsAreReadInEveryFormTheDocsGive() {
        Scenario daemonSet = parse("""
                name: edge
                kind: DaemonSet
                nodes: 10
                versions: {v1: {}}
                initialVersion: v1
                canary: {steps: [10, 50, 100]}
                timeline:
                  - {atStep: 10, nodes: {notReady: canary}}
                  - {atStep: 10, nodes: {remove: 2}}
                  - {atStep: 50, nodes: {cordon: canary}}
                  - {atStep: 50, nodes: {cordon: 3}}
                  - {at: 2m, nodes: {uncordon: 3}}
                  - {at: 2m, nodes: {remove: canary}}
                  - {at: 1m, metrics: {gap: 20s}}
                  - {atStep: 50, metrics: {gap: 1m30s, pods: canary}}
                  - {atStep: 10, pods: {deleteCanary: all}}
                """);
        assertThat(daemonSet.problems()).isEmpty();
        assertThat(daemonSet.timeline().get(0).nodes().takesCanaryNodes()).isTrue();
        assertThat(daemonSet.timeline().get(1).nodes().takesCanaryNodes()).isFalse();
        assertThat(Scenario.count(daemonSet.timeline().get(1).nodes().remove())).isEqualTo(2);
        assertThat(daemonSet.timeline().get(6).metrics().canaryOnly()).isFalse();
        assertThat(daemonSet.timeline().get(7).metrics().canaryOnly()).isTrue();
        Scenario deployment = parse("""
                name: evictions
                replicas: 10
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                timeline:
                  - {at: 1m, pods: {deleteCanary: 2}}
                  - {at: 2m, pods: {deleteCanary: all}}
                """);
        assertThat(deployment.problems()).isEmpty();
        assertThat(Scenario.count(deployment.timeline().get(0).pods().deleteCanary())).isEqualTo(2);
        assertThat(Scenario.count(deployment.timeline().get(1).pods().deleteCanary())).isNull();
    }

    @Test
    void aWrongNodePodOrScrapeGapEventNamesItsFieldAndWhatIsAllowed() {
        Scenario s = parse("""
                name: mistakes
                replicas: 4
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                timeline:
                  - {at: 1m, nodes: {cordon: 2}}
                  - {at: 1m, pods: {deleteCanary: primary}}
                  - {at: 1m, pods: {deleteCanary: 0}}
                  - {at: 1m, pods: {}}
                  - {at: 1m, metrics: {gap: 0s}}
                  - {at: 1m, metrics: {gap: soon, pods: primary}}
                  - {at: 1m, metrics: {pods: canary}}
                """);
        assertThat(s.problems()).containsExactly(
                "timeline[0].nodes needs kind: DaemonSet",
                "timeline[1].pods.deleteCanary must be in 1..500 or all (every canary pod), got primary",
                "timeline[2].pods.deleteCanary must be in 1..500 or all (every canary pod), got 0",
                "timeline[3].pods needs deleteCanary (a count, or all)",
                "timeline[4].metrics.gap must be longer than 0s, got 0s",
                "timeline[5].metrics.gap must be a duration such as 90s or 2m, got soon",
                "timeline[5].metrics.pods must be all or canary, got primary",
                "timeline[6].metrics.gap is required (a duration such as 90s or 2m)");
        Scenario nodes = parse("""
                name: mistakes
                kind: DaemonSet
                nodes: 4
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                timeline:
                  - {at: 1m, nodes: {cordon: all}}
                  - {at: 1m, nodes: {remove: primary}}
                  - {at: 1m, nodes: {uncordon: 0}}
                  - {at: 1m, nodes: {cordon: 1, uncordon: 1}}
                """);
        assertThat(nodes.problems()).containsExactly(
                "timeline[0].nodes.cordon must be in 1..2000 or canary (every node that runs the canary), got all",
                "timeline[1].nodes.remove must be in 1..2000 or canary (every node that runs the canary), got primary",
                "timeline[2].nodes.uncordon must be in 1..2000, got 0",
                "timeline[3].nodes needs exactly one of add, remove, notReady, ready, cordon, uncordon");
    }

    @Test
    void aValueOfTheWrongKindNamesItsFieldAndWhatIsAllowedInOneLine(@TempDir Path dir) throws IOException {
        assertThat(readProblem(dir, """
                name: routers
                replicas: 4
                versions: {v1: {}}
                initialVersion: v1
                canary:
                  traffic: {router: weighted}
                """)).isEqualTo("canary.traffic.router must be one of replicas, nodes, gateway-api, nginx, got "
                + "weighted");
        assertThat(readProblem(dir, """
                name: kinds
                kind: ReplicaSet
                replicas: 4
                """)).isEqualTo("kind must be one of Deployment, DaemonSet, StatefulSet, got ReplicaSet");
        assertThat(readProblem(dir, """
                name: steps
                replicas: 4
                timeline:
                  - {atStep: ten, push: v2}
                expect: {phase: Done}
                """)).isEqualTo("timeline[0].atStep must be an integer, got ten");
        assertThat(readProblem(dir, """
                name: phases
                replicas: 4
                expect: {phase: Done}
                """)).startsWith("expect.phase must be one of Initializing, Ready, ").endsWith(", got Done");
        assertThat(readProblem(dir, """
                name: [a, list]
                """)).isEqualTo("name must be a string");
    }

    /** What SimulateCommand.read says of a file: one line, after the file's name. */
    private static String readProblem(Path dir, String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("scenario.yaml"), yaml);
        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class,
                () -> SimulateCommand.read(file));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.getMessage()).doesNotContain("\n").startsWith(file + ": ");
        return e.getMessage().substring((file + ": ").length());
    }

    @Test
    void everyVersionDefaultsToHealthyAndChangesOnlyWhatItSays() {
        var slow = ScenarioRunner.behaviour(new Scenario.Version(null, null, 900.0, null, null), 1);
        assertThat(slow.errorRatio()).isEqualTo(0.001);
        assertThat(slow.latencyP50Ms()).isEqualTo(20);
        assertThat(slow.latencyP99Ms()).isEqualTo(900);
        assertThat(slow.readyAfter()).isEqualTo(Duration.ofMillis(300));
        assertThat(ScenarioRunner.behaviour(null, 1)).isEqualTo(dev.aegis.canary.sim.VersionBehaviour.healthy());
        // Readiness is scenario time: 10 s at time scale 5 is 2 s.
        var starting = ScenarioRunner.behaviour(new Scenario.Version(null, null, null, null, "10s"), 5);
        assertThat(starting.readyAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void everyShippedScenarioReadsWithoutAMistake() throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(java.nio.file.Path.of("scenarios"))) {
            var yamls = files.filter(f -> f.toString().endsWith(".yaml")).toList();
            assertThat(yamls).hasSizeGreaterThanOrEqualTo(10);
            for (var f : yamls) {
                Scenario s = SimulateCommand.read(f);
                assertThat(s.expect()).as(f + " says what it expects").isNotNull();
                assertThat(f.getFileName().toString()).isEqualTo(s.name() + ".yaml");
            }
        }
    }

    @Test
    void severalSummariesAreSetSideBySide() {
        Summary caught = new Summary("bad-release-5pct", true, dev.aegis.canary.api.Phase.RolledBack, "rolled back",
                dev.aegis.canary.api.Phase.RolledBack, 7.5, 69, 9.2, java.util.List.of(), java.util.List.of(),
                new Summary.Fault(0, 64.8, 69.1), new Summary.Exposure(3468.3, 164.8, 3468.3, 164.8),
                new Summary.Checks(0, 1, 0, 0), 2, 310L);
        Summary healthy = new Summary("healthy-release", true, dev.aegis.canary.api.Phase.Succeeded, "promoted",
                dev.aegis.canary.api.Phase.Succeeded, 7.5, 257, 34, java.util.List.of(), java.util.List.of(), null,
                new Summary.Exposure(54859, 55, 0, 0), new Summary.Checks(4, 0, 0, 0), 8, null);
        assertThat(SimulateCommand.table(java.util.List.of(caught, healthy)).lines().toList()).startsWith(
                "scenario                     phase       passed   decided    stable     requests       failed",
                "bad-release-5pct             RolledBack     yes     64.8s     69.1s         3468          165",
                "healthy-release              Succeeded      yes         -         -            0            0");
    }
}
