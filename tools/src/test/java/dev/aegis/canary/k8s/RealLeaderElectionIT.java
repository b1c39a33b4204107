package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;

/**
 * Two replicas of the packaged controller on the real control plane, as deploy/deployment.yaml runs them: a real
 * Lease elects one; only it acts; killed (SIGKILL, nothing released) mid-step, the other takes the Lease once it
 * expires and carries the run on from the Canary's status, each step taken once.
 */
class RealLeaderElectionIT {

    /** Shorter than the defaults (15s, 10s, 2s), to keep the test short; the same code path. */
    static final Duration LEASE = Duration.ofSeconds(6);
    static final Duration RETRY = Duration.ofSeconds(1);
    /** A Lease of this test's own: other test classes' controllers elect through the default one. */
    static final String LEASE_NAME = "aegis-canary-election-test";

    static String holder(KubernetesClient client) {
        Lease lease = client.resources(Lease.class).inNamespace("aegis-system").withName(LEASE_NAME).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** The Events a replica recorded, as its log shows them: what it did to Canaries. */
    static List<String> told(PackagedController c) {
        try {
            return Files.readAllLines(c.log).stream().filter(l -> l.contains("[d.a.c.n.KubernetesEvents]")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void onlyTheLeaseHolderActsAndTheOtherCarriesTheRunOnWhenItIsKilled() throws Exception {
        RealFleet fleet = RealFleet.shared();
        ControlPlane plane = fleet.plane;
        Manifests.applyDeploy(plane);
        String ns = plane.newNamespace("leader");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(plane, ns);
        Map<String, String> election = Map.of("aegis.leader-election.lease-name", LEASE_NAME,
                "aegis.leader-election.lease-duration", LEASE.toSeconds() + "s",
                "aegis.leader-election.renew-deadline", "4s",
                "aegis.leader-election.retry-period", RETRY.toSeconds() + "s");
        String prometheus = fleet.prometheus.url();
        try (KubernetesClient client = plane.client();
                PackagedController a = PackagedController.start(plane, "replica-a", "aegis-system", "aegis-canary",
                        prometheus, election);
                PackagedController b = PackagedController.start(plane, "replica-b", "aegis-system", "aegis-canary",
                        prometheus, election)) {
            Awaitility.await("a leader holds Lease " + LEASE_NAME).atMost(Duration.ofSeconds(60))
                    .until(() -> holder(client) != null);
            PackagedController leader = "replica-a".equals(holder(client)) ? a : b;
            PackagedController follower = leader == a ? b : a;

            client.apps().deployments().inNamespace(ns).resource(RealDeploymentCanaryIT.podinfo(ns, image + "6.0.0"))
                    .create();
            CanaryRuns.apply(plane, RealDeploymentCanaryIT.canary(ns).replace("steps: [25, 50, 100]",
                    "steps: [25, 50, 75, 100]"));
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, leader, Duration.ofSeconds(60));
            List<CanaryStatus> statuses = new CopyOnWriteArrayList<>();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleWithFixedDelay(() -> statuses.add(CanaryRuns.status(client, ns, "podinfo")), 0, 100,
                    TimeUnit.MILLISECONDS);
            try {
                Kubectl.Result set = Kubectl.run(plane, "set", "image", "-n", ns, "deployment/podinfo",
                        "podinfo=" + image + "6.0.1");
                assertThat(set.exitCode()).as(set.output()).isZero();
                Awaitility.await("mid-analysis at step 2").atMost(Duration.ofSeconds(60)).until(() -> {
                    CanaryStatus s = CanaryRuns.status(client, ns, "podinfo");
                    return s.getPhase() == Phase.Progressing && s.getStepIndex() == 1 && s.getStepReadyAt() != null;
                });
                assertThat(told(leader)).as("the leader acts").isNotEmpty();
                assertThat(told(follower)).as("the follower tells nothing, so did nothing").isEmpty();
                // what deploy/monitoring's alerts read: one replica leads; the Canary's phase and its checks
                assertThat(leader.metrics()).contains("aegis_controller_leader 1.0").contains(
                        "aegis_canary_phase{name=\"podinfo\",namespace=\"" + ns + "\",phase=\"Progressing\"} 1.0")
                        .contains("aegis_canary_checks_total{");
                assertThat(follower.metrics()).contains("aegis_controller_leader 0.0");

                leader.kill();
                Instant killed = Instant.now();
                Awaitility.await("the follower holds the Lease").atMost(LEASE.plus(RETRY).plusSeconds(10))
                        .pollInterval(Duration.ofMillis(100)).until(() -> follower == a
                                ? "replica-a".equals(holder(client))
                                : "replica-b".equals(holder(client)));
                Duration takeover = Duration.between(killed, Instant.now());
                Awaitility.await("the new leader says so").atMost(Duration.ofSeconds(10))
                        .until(() -> follower.metrics().contains("aegis_controller_leader 1.0"));

                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Succeeded, follower, Duration.ofSeconds(120));
                assertThat(told(follower)).as("the new leader carried the run on").anyMatch(l -> l.contains(
                        "StepAdvanced: step 3/4")).anyMatch(l -> l.contains("Succeeded: promoted"));
                assertThat(told(follower)).noneMatch(l -> l.contains("NewRevision") || l.contains("Initializ"));
                System.out.printf("real leader election: %s took the Lease %d ms after %s was killed%n",
                        follower.log.getFileName(), takeover.toMillis(), leader.log.getFileName());
            } finally {
                sampler.shutdownNow();
            }
            List<CanaryStatus> running = statuses.stream().filter(s -> s != null && s.getPhase() == Phase.Progressing)
                    .toList();
            List<Integer> weights = new java.util.ArrayList<>();
            running.forEach(s -> {
                if (weights.isEmpty() || !weights.get(weights.size() - 1).equals(s.getWeight())) {
                    weights.add(s.getWeight());
                }
            });
            assertThat(weights).as("each step once, in order, across the take-over").containsExactly(25, 50, 75, 100);
            assertThat(running).extracting(CanaryStatus::getRunStartedAt).as("one run")
                    .containsOnly(CanaryRuns.status(client, ns, "podinfo").getRunStartedAt());
            Awaitility.await("the primary runs 6.0.1").atMost(Duration.ofSeconds(60)).until(() -> client.apps()
                    .deployments().inNamespace(ns).withName("podinfo-primary").get().getSpec().getTemplate()
                    .getSpec().getContainers().get(0).getImage().equals(image + "6.0.1"));
        }
        Audit.assertNoneRefused(plane, PackagedControllerIT.USER);
    }
}
