package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.demo.EmbeddedApiServer.Call;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * What a rollout costs the API server. The controller reads workloads from its informers' caches; what they do not
 * hold (the ReplicaSets, whose names the analysis and the canary Service need) it LISTs once per revision, not on
 * every reconcile and check: with hundreds of Canaries those LISTs were most of its load on the API server.
 */
class ControllerReadsIT extends ProcessClusterTest {

    @Test
    void checksDoNotListReplicaSets() {
        Fixtures fx = new Fixtures(cluster.client(), "reads");
        cluster.fleet().setBehaviour(Fixtures.IMAGE + "rd-2", VersionBehaviour.healthy());
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "rd-1", 4);
        String replicaSets = "/apis/apps/v1/namespaces/" + fx.ns + "/replicasets";
        try (ControllerProcess c = ControllerProcess.start("reads", cluster,
                Map.of("aegis.leader-election.enabled", "false"));
                StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(10, 20, 30, 50, 100)));
            recorder.awaitPhase(Phase.Ready, Duration.ofSeconds(60));
            int atRest = lists(c, replicaSets);

            fx.setImage("podinfo", "rd-2");
            await("the first check passed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> { // Ready, before the run starts, has no count of checks yet
                        Integer passed = fx.canaryNow("podinfo").getStatus().getPassedChecks();
                        return passed != null && passed >= 1;
                    });
            int afterFirstCheck = lists(c, replicaSets);
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, Duration.ofSeconds(90));

            assertThat(done.getPassedChecks()).isEqualTo(5);
            assertThat(lists(c, replicaSets)).as("ReplicaSet LISTs from the first check of five to the promotion")
                    .isEqualTo(afterFirstCheck);
            assertThat(afterFirstCheck - atRest).as("ReplicaSet LISTs for the new revision (the canary's, the "
                    + "primary's; again while the Deployment controller has not made the canary's yet)")
                    .isBetween(2, 5);
            System.out.printf("ReplicaSet LISTs: %d to Ready, %d for the rollout of five steps%n", atRest,
                    lists(c, replicaSets) - atRest);
        }
    }

    private static int lists(ControllerProcess c, String path) {
        return cluster.calls(c.name, (Call call) -> call.method().equals("GET") && call.path().startsWith(path))
                .size();
    }
}
