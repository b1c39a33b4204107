package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.it.DaemonSetRolloutTest.FleetState;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * Node-by-node rollouts when things go wrong or take time: slow pods against maxUnavailable and progressDeadline,
 * NotReady nodes, the Canary or the target deleted at awkward moments, a target whose restriction is removed or
 * that Git restricts itself, a strategy the rollout cannot use.
 */
@QuarkusTest
class DaemonSetFaultsTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(120);
    static final String PROXY = DaemonSetRolloutTest.PROXY;

    /** n edge nodes of this test's fleet, in 3 zones. */
    static List<String> nodes(Fixtures fx, int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = fx.ns + "-n" + i;
            fx.node(name, Map.of("role", "edge", "fleet", fx.ns, DaemonSetRolloutTest.ZONE, "eu-" + "abc".charAt(i
                    % 3)));
            names.add(name);
        }
        return names;
    }

    static FleetState state(Fixtures fx) {
        return DaemonSetRolloutTest.state(fx);
    }

    String label(Fixtures fx) {
        return "canary.aegis.dev/" + fx.ns + "." + PROXY;
    }

    void setReady(String node, boolean ready) {
        client.nodes().withName(node).editStatus(n -> {
            n.getStatus().getConditions().get(0).setStatus(ready ? "True" : "False");
            return n;
        });
    }

    /** Samples the fleet every 20 ms: the most nodes seen at once without a ready pod. */
    final class Sampler implements AutoCloseable {

        final AtomicInteger worst = new AtomicInteger();
        volatile String worstSeen = "";
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Sampler(String namespace, List<String> nodes) {
            thread = new Thread(() -> {
                while (running.get()) {
                    Set<String> serving = fleet.pods(namespace).stream().filter(FleetSimulator.RunningPod::ready)
                            .map(FleetSimulator.RunningPod::node).collect(Collectors.toSet());
                    int down = (int) nodes.stream().filter(n -> !serving.contains(n)).count();
                    if (down > worst.get()) {
                        worst.set(down);
                        worstSeen = fleet.pods(namespace).toString();
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "fleet-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    @Test
    void slowPodsMoveOneNodeAtATimeAndEachBatchRestartsTheProgressDeadline() throws Exception {
        Fixtures fx = new Fixtures(client, "ds-slow");
        fx.applyShippedTemplates();
        List<String> edge = nodes(fx, 12);
        // Every pod takes 600 ms to become ready; maxUnavailable 1. The 100% step moves 6 nodes and promotion
        // moves all 12 back, a good 7 s, while progressDeadline is 4 s: it must count from the last batch.
        fleet.setBehaviour(Fixtures.IMAGE + "5.0.0", VersionBehaviour.healthy().withReadyAfter(Duration
                .ofMillis(600)));
        fleet.setBehaviour(Fixtures.IMAGE + "5.1.0", VersionBehaviour.healthy().withReadyAfter(Duration
                .ofMillis(600)));
        fx.daemonSet(PROXY, "5.0.0", "1");
        await().atMost(RUN).until(() -> fleet.pods(fx.ns).stream().filter(FleetSimulator.RunningPod::ready)
                .count() == 12);
        try (Sampler sampler = new Sampler(fx.ns, edge);
                StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY)) {
            DaemonSetRolloutTest.canary(fx, null, spec -> spec.setProgressDeadline("4s"));
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setDaemonSetImage(PROXY, "5.1.0");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(recorder.phases()).doesNotContain(Phase.RolledBack, Phase.Failed);
            assertThat(done.getMessage()).startsWith("promoted revision");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> DaemonSetRolloutTest
                    .assertEveryNodeRunsOneVersion(state(fx), edge, Set.of(), "5.1.0", "5.1.0"));
            sampler.close();
            assertThat(sampler.worst.get()).as("nodes without a ready pod at once, first sight included: "
                    + sampler.worstSeen)
                    .isLessThanOrEqualTo(1);
        }
    }

    @Test
    void aNotReadyNodeStaysInTheFleetButNeverTakesTheCanaryNorHoldsTheRun() {
        Fixtures fx = new Fixtures(client, "ds-notready");
        fx.applyShippedTemplates();
        List<String> edge = nodes(fx, 10);
        fx.daemonSet(PROXY, "6.0.0");
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY).onStep(s -> state(fx))) {
            DaemonSetRolloutTest.canary(fx, null);
            recorder.awaitPhase(Phase.Ready, RUN);
            String down = edge.get(4);
            setReady(down, false);
            fx.setDaemonSetImage(PROXY, "6.1.0");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);

            assertThat(recorder.snapshots()).extracting(x -> x.status().getTotalNodes()).containsOnly(10);
            assertThat(recorder.snapshots()).extracting(x -> x.status().getCanaryNodes())
                    .as("1%, 10%, 50%, 100% of 10 nodes, the NotReady one never").containsExactly(1, 1, 5, 9);
            assertThat(recorder.snapshots()).allSatisfy(x -> assertThat(((FleetState) x.world()).canaryNodes())
                    .doesNotContain(down));
            assertThat(done.getStableRevision()).isEqualTo(done.getCanaryRevision());
            List<String> up = edge.stream().filter(n -> !n.equals(down)).toList();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> DaemonSetRolloutTest
                    .assertEveryNodeRunsOneVersion(state(fx), up, Set.of(), "6.1.0", "6.1.0"));

            // Back up, the node gets the promoted version.
            setReady(down, true);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> DaemonSetRolloutTest
                    .assertEveryNodeRunsOneVersion(state(fx), edge, Set.of(), "6.1.0", "6.1.0"));
        }
    }

    @Test
    void deletingTheCanaryDuringFirstSightGivesTheTargetBackToEveryNode() {
        Fixtures fx = new Fixtures(client, "ds-del-init");
        fx.applyShippedTemplates();
        List<String> edge = nodes(fx, 8);
        fleet.setBehaviour(Fixtures.IMAGE + "7.0.0", VersionBehaviour.healthy().withReadyAfter(Duration
                .ofMillis(400)));
        fx.daemonSet(PROXY, "7.0.0", "1");
        // A fleet that serves: nodes then move one at a time (maxUnavailable 1), not all at once for free.
        await().atMost(RUN).until(() -> fleet.pods(fx.ns).stream().filter(FleetSimulator.RunningPod::ready)
                .count() == 8);
        Canary canary = DaemonSetRolloutTest.canary(fx, null);
        // Delete once the primary exists and some nodes moved to it, before initialization ends.
        await().atMost(RUN).until(() -> fleet.pods(fx.ns).stream().anyMatch(p -> p.name().startsWith(PROXY
                + "-primary") && p.ready()));
        assertThat(fx.canaryNow(PROXY).getStatus().getPhase()).isEqualTo(Phase.Initializing);
        client.resource(canary).delete();

        await().atMost(RUN).untilAsserted(() -> {
            assertThat(fx.canaryNow(PROXY)).as("finalizer removed").isNull();
            assertThat(fx.daemonSetNow(PROXY + "-primary")).isNull();
            DaemonSet target = fx.daemonSetNow(PROXY);
            assertThat(target.getSpec().getTemplate().getSpec().getAffinity()).as("restriction removed")
                    .satisfiesAnyOf(a -> assertThat(a).isNull(), a -> assertThat(a.getNodeAffinity()).isNull(),
                            a -> assertThat(a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
                                    .isNull());
            FleetState end = state(fx);
            assertThat(end.canaryNodes()).isEmpty();
            for (String node : edge) {
                assertThat(end.podsByNode().get(node)).as(node).containsExactly(PROXY + " " + Fixtures.IMAGE
                        + "7.0.0");
            }
        });
    }

    @Test
    void deletingTheCanaryMidRunPutsEveryNodeOnThePrimaryAndReleasesIt() {
        Fixtures fx = new Fixtures(client, "ds-del-run");
        fx.applyShippedTemplates();
        List<String> edge = nodes(fx, 8);
        fx.daemonSet(PROXY, "8.0.0");
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY)) {
            Canary canary = DaemonSetRolloutTest.canary(fx, null);
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setDaemonSetImage(PROXY, "8.1.0");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));
            assertThat(state(fx).canaryNodes()).hasSize(4);
            client.resource(canary).delete();

            await().atMost(RUN).untilAsserted(() -> {
                assertThat(fx.canaryNow(PROXY)).isNull();
                DaemonSet primary = fx.daemonSetNow(PROXY + "-primary");
                assertThat(primary.getMetadata().getOwnerReferences()).as("released, not left to the GC").isEmpty();
                DaemonSetRolloutTest.assertEveryNodeRunsOneVersion(state(fx), edge, Set.of(), "8.1.0", "8.0.0");
                assertThat(state(fx).canaryNodes()).isEmpty();
            });
            assertThat(fx.events(PROXY)).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Deleted"));
        }
    }

    @Test
    void deletingTheTargetMidRunGivesItsNodesToThePrimaryAtOnce() {
        Fixtures fx = new Fixtures(client, "ds-del-target");
        fx.applyShippedTemplates();
        List<String> edge = nodes(fx, 8);
        fx.daemonSet(PROXY, "9.0.0");
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY)) {
            Canary canary = DaemonSetRolloutTest.canary(fx, null);
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setDaemonSetImage(PROXY, "9.1.0");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));
            client.apps().daemonSets().inNamespace(fx.ns).withName(PROXY).delete();

            CanaryStatus invalid = recorder.awaitPhase(Phase.Invalid, RUN);
            assertThat(invalid.getMessage()).contains("spec.targetRef: DaemonSet 'river-proxy' not found");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                FleetState now = state(fx);
                assertThat(now.canaryNodes()).isEmpty();
                for (String node : edge) {
                    assertThat(now.podsByNode().get(node)).as(node).containsExactly(PROXY + "-primary "
                            + Fixtures.IMAGE + "9.0.0");
                }
            });

            client.resource(canary).delete();
            await().atMost(RUN).untilAsserted(() -> {
                assertThat(fx.canaryNow(PROXY)).isNull();
                assertThat(fx.daemonSetNow(PROXY + "-primary").getMetadata().getOwnerReferences()).isEmpty();
            });
        }
    }

    @Test
    void aTargetWithTheOnDeleteStrategyIsInvalidAndLeftAlone() {
        Fixtures fx = new Fixtures(client, "ds-ondelete");
        fx.applyShippedTemplates();
        nodes(fx, 3);
        DaemonSet target = fx.daemonSet(PROXY, "10.0.0");
        fx.editDaemonSet(PROXY, d -> {
            d.getSpec().getUpdateStrategy().setType("OnDelete");
            d.getSpec().getUpdateStrategy().setRollingUpdate(null);
            return d;
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY)) {
            DaemonSetRolloutTest.canary(fx, null);
            CanaryStatus invalid = recorder.awaitPhase(Phase.Invalid, RUN);
            assertThat(invalid.getMessage()).contains("spec.updateStrategy.type is OnDelete")
                    .contains("RollingUpdate");
            assertThat(fx.daemonSetNow(PROXY + "-primary")).isNull();
            assertThat(fx.daemonSetNow(PROXY).getSpec().getTemplate()).isEqualTo(target.getSpec().getTemplate());
            assertThat(state(fx).canaryNodes()).isEmpty();
            assertThat(fx.events(PROXY)).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("InvalidSpec"));
        }
    }

    @Test
    void aRemovedRestrictionIsPutBackAndARestrictionGitOwnsIsExplained() {
        Fixtures fx = new Fixtures(client, "ds-restrict");
        fx.applyShippedTemplates();
        List<String> edge = nodes(fx, 6);
        DaemonSet git = fx.daemonSet(PROXY, "11.0.0");
        // Git sets required node affinity itself: the controller cannot add to it.
        fx.editDaemonSet(PROXY, d -> {
            d.getSpec().getTemplate().getSpec().setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder()
                    .withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .addNewNodeSelectorTerm().addNewMatchExpression().withKey("role").withOperator("In")
                    .withValues("edge").endMatchExpression().endNodeSelectorTerm()
                    .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build());
            return d;
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY)) {
            DaemonSetRolloutTest.canary(fx, null);
            await().atMost(RUN).untilAsserted(() -> {
                CanaryStatus first = fx.canaryNow(PROXY).getStatus();
                assertThat(first).as("a status yet").isNotNull();
                assertThat(first.getMessage()).contains("add {key: " + label(fx)
                        + ", operator: In, values: [canary]} to each of its nodeSelectorTerms in Git");
                assertThat(state(fx).canaryNodes()).as("the fleet is labelled first, so adding it moves nothing")
                        .containsExactlyInAnyOrderElementsOf(edge);
            });
            assertThat(fx.events(PROXY)).filteredOn(e -> e.getReason().equals("RestrictionInGit")).hasSize(1);
            assertThat(fx.daemonSetNow(PROXY + "-primary")).isNull();

            // Git adds the requirement; the controller carries on.
            fx.editDaemonSet(PROXY, d -> {
                d.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0)
                        .getMatchExpressions().add(new NodeSelectorRequirementBuilder().withKey(label(fx))
                                .withOperator("In").withValues("canary").build());
                return d;
            });
            recorder.awaitPhase(Phase.Ready, RUN);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> DaemonSetRolloutTest
                    .assertEveryNodeRunsOneVersion(state(fx), edge, Set.of(), "11.0.0", "11.0.0"));

            // Someone takes the requirement off again (a replace, an edit): the target would run beside the
            // primary everywhere, so the Canary is invalid and says what to do.
            fx.editDaemonSet(PROXY, d -> {
                d.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0)
                        .getMatchExpressions().removeIf(r -> r.getKey().equals(label(fx)));
                return d;
            });
            CanaryStatus invalid = recorder.awaitPhase(Phase.Invalid, RUN);
            assertThat(invalid.getMessage()).contains("nodeSelectorTerms in Git");
        }
        assertThat(git).isNotNull();
    }

    @Test
    void aRestrictionTheControllerOwnsIsPutBackWhenRemoved() {
        Fixtures fx = new Fixtures(client, "ds-restore");
        fx.applyShippedTemplates();
        List<String> edge = nodes(fx, 6);
        fx.daemonSet(PROXY, "12.0.0");
        try (StatusRecorder recorder = new StatusRecorder(fx, PROXY, PROXY)) {
            DaemonSetRolloutTest.canary(fx, null);
            recorder.awaitPhase(Phase.Ready, RUN);
            // A Flux "force" recreate or a kubectl replace drops the controller's term.
            client.apps().daemonSets().inNamespace(fx.ns).withName(PROXY).patch(PatchContext.of(PatchType.JSON),
                    "[{\"op\":\"remove\",\"path\":\"/spec/template/spec/affinity\"}]");
            await().atMost(RUN).untilAsserted(() -> {
                assertThat(fx.events(PROXY)).anySatisfy(e -> assertThat(e.getReason()).isEqualTo(
                        "TargetRestricted"));
                DaemonSet target = fx.daemonSetNow(PROXY);
                assertThat(target.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0)
                        .getMatchExpressions().get(0).getKey()).isEqualTo(label(fx));
                DaemonSetRolloutTest.assertEveryNodeRunsOneVersion(state(fx), edge, Set.of(), "12.0.0", "12.0.0");
            });
            assertThat(fx.canaryNow(PROXY).getStatus().getPhase()).isEqualTo(Phase.Ready);
        }
    }
}
