package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.rollout.ManualRequest;

/**
 * The packaged controller killed (SIGKILL, as a node failure or an OOM kill does) in every phase of a run on the real
 * control plane, and a new process started in its place as deploy/'s ServiceAccount (leader election off: one
 * replica; a successor waiting out a Lease is RealLeaderElectionIT's). It carries the run on from the Canary's status:
 * each step once and in order, one run, the weight never reset, and a rollback under way finished. The real
 * Deployment and ReplicaSet controllers and kwok move the pods meanwhile, whoever is alive.
 */
class RealControllerRestartIT {

    static final int REPLICAS = 10;
    static final AtomicInteger STARTED = new AtomicInteger();

    static RealFleet fleet;
    PackagedController controller;

    @BeforeAll
    static void deploy() {
        fleet = RealFleet.shared();
        Manifests.applyDeploy(fleet.plane);
    }

    @AfterEach
    void stop() {
        if (controller != null) {
            controller.close();
        }
    }

    @AfterAll
    static void audit() {
        Audit.assertNoneRefused(fleet.plane, PackagedControllerIT.USER);
    }

    void startController() {
        controller = PackagedController.start(fleet.plane, "controller-restart-" + STARTED.incrementAndGet(),
                "aegis-system", "aegis-canary", fleet.prometheus.url(), Map.of("aegis.leader-election.enabled",
                        "false"));
    }

    /** Kills the running controller once the Canary's status matches, and starts the next one. */
    void killWhen(KubernetesClient client, String ns, String what, Predicate<CanaryStatus> when) {
        Awaitility.await(what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
            CanaryStatus s = CanaryRuns.status(client, ns, "podinfo");
            return s != null && when.test(s);
        });
        controller.kill();
        startController();
    }

    @Test
    void aControllerKilledInEveryPhaseIsReplacedByOneThatCarriesTheRunOnFromStatus() throws Exception {
        String ns = fleet.plane.newNamespace("restart");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(fleet.plane, ns);
        try (KubernetesClient client = fleet.plane.client(); Statuses statuses = new Statuses(client, ns)) {
            client.apps().deployments().inNamespace(ns).resource(podinfo(ns, image + "6.0.0")).create();
            int before = STARTED.get();
            startController();
            CanaryRuns.apply(fleet.plane, canary(ns));

            killWhen(client, ns, "first sight", s -> s.getPhase() == Phase.Initializing);
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, controller, Duration.ofSeconds(120));

            RealDeploymentCanaryIT.setImage(fleet.plane, ns, image + "6.0.1");
            killWhen(client, ns, "at step 2", s -> s.getPhase() == Phase.Progressing && s.getStepIndex() == 1);
            killWhen(client, ns, "mid-analysis at step 3",
                    s -> s.getPhase() == Phase.Progressing && s.getStepIndex() == 2 && s.getStepReadyAt() != null);
            killWhen(client, ns, "mid-promotion", s -> s.getPhase() == Phase.Promoting);
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Succeeded, controller, Duration.ofSeconds(120));
            CanaryStatus done = CanaryRuns.status(client, ns, "podinfo");

            List<CanaryStatus> run = statuses.seen().stream()
                    .filter(s -> s.getPhase() == Phase.Progressing || s.getPhase() == Phase.Promoting).toList();
            assertThat(distinct(run.stream().filter(s -> s.getPhase() == Phase.Progressing)
                    .map(CanaryStatus::getWeight).toList())).as("each step reached once, in order, never reset")
                    .containsExactly(10, 50, 100);
            assertThat(run).extracting(CanaryStatus::getRunStartedAt).as("one run, never restarted")
                    .containsOnly(done.getRunStartedAt());
            assertThat(run).extracting(CanaryStatus::getStepIndex).as("never back a step").isSorted();
            assertThat(distinct(statuses.seen().stream().map(CanaryStatus::getPhase).toList())).containsSubsequence(
                    Phase.Initializing, Phase.Ready, Phase.Progressing, Phase.Promoting, Phase.Succeeded);
            assertThat(STARTED.get() - before).as("controllers started: the first and one after each kill")
                    .isEqualTo(5);
            Awaitility.await("the primary runs 6.0.1 on 10 ready pods, the target none").atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(RealDeploymentCanaryIT.sample(client, ns).readyByImage())
                            .isEqualTo(Map.of(image + "6.0.1", (long) REPLICAS)));
            assertThat(client.apps().deployments().inNamespace(ns).withName("podinfo").get().getSpec().getReplicas())
                    .isZero();
        }
    }

    @Test
    void aControllerKilledMidRollbackIsReplacedByOneThatFinishesIt() throws Exception {
        String ns = fleet.plane.newNamespace("restart-rb");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(fleet.plane, ns);
        try (KubernetesClient client = fleet.plane.client(); Statuses statuses = new Statuses(client, ns)) {
            client.apps().deployments().inNamespace(ns).resource(podinfo(ns, image + "6.0.0")).create();
            startController();
            CanaryRuns.apply(fleet.plane, canary(ns));
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, controller, Duration.ofSeconds(120));
            RealDeploymentCanaryIT.setImage(fleet.plane, ns, image + "6.0.1");
            Awaitility.await("at 50%, its pods ready").atMost(Duration.ofSeconds(90)).until(() -> {
                CanaryStatus s = CanaryRuns.status(client, ns, "podinfo");
                return s.getPhase() == Phase.Progressing && Objects.equals(s.getWeight(), 50)
                        && s.getStepReadyAt() != null;
            });
            client.resources(Canary.class).inNamespace(ns).withName("podinfo").patch(
                    PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\""
                            + ManualRequest.ANNOTATION + "\":\"abort\",\"" + ManualRequest.BY_ANNOTATION
                            + "\":\"erin\"}}}");
            killWhen(client, ns, "mid-rollback", s -> s.getPhase() == Phase.RolledBack);

            Awaitility.await("6.0.1's pods gone, the primary 6.0.0 on 10 ready pods").atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(RealDeploymentCanaryIT.sample(client, ns).readyByImage())
                            .isEqualTo(Map.of(image + "6.0.0", (long) REPLICAS)));
            assertThat(client.apps().deployments().inNamespace(ns).withName("podinfo").get().getSpec().getReplicas())
                    .isZero();
            CanaryStatus s = CanaryRuns.status(client, ns, "podinfo");
            assertThat(s.getPhase()).isEqualTo(Phase.RolledBack);
            assertThat(s.getMessage()).contains("abort requested by erin");
            assertThat(distinct(statuses.seen().stream().map(CanaryStatus::getPhase).toList()))
                    .as("rolled back once, never resumed").endsWith(Phase.Progressing, Phase.RolledBack);
        }
    }

    /** The values in order, each run of equal ones once. */
    static <T> List<T> distinct(List<T> values) {
        List<T> out = new ArrayList<>();
        for (T v : values) {
            if (out.isEmpty() || !Objects.equals(out.get(out.size() - 1), v)) {
                out.add(v);
            }
        }
        return out;
    }

    /** Every status of the Canary podinfo a watch saw, in order, whichever controller wrote it. */
    static final class Statuses implements Watcher<Canary>, AutoCloseable {

        private final List<CanaryStatus> seen = new CopyOnWriteArrayList<>();
        private final Watch watch;

        Statuses(KubernetesClient client, String ns) {
            watch = client.resources(Canary.class).inNamespace(ns).withName("podinfo").watch(this);
        }

        @Override
        public void eventReceived(Action action, Canary canary) {
            if (canary.getStatus() != null) {
                seen.add(canary.getStatus());
            }
        }

        @Override
        public void onClose(WatcherException cause) {
        }

        List<CanaryStatus> seen() {
            return List.copyOf(seen);
        }

        @Override
        public void close() {
            watch.close();
        }
    }

    static io.fabric8.kubernetes.api.model.apps.Deployment podinfo(String ns, String image) {
        io.fabric8.kubernetes.api.model.apps.Deployment d = RealDeploymentCanaryIT.podinfo(ns, image);
        d.getSpec().setReplicas(REPLICAS);
        return d;
    }

    /** Steps 10, 50, 100; checks every 8 s. */
    static String canary(String ns) {
        return RealDeploymentCanaryIT.canary(ns).replace("steps: [25, 50, 100]", "steps: [10, 50, 100]");
    }
}
