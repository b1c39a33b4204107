package dev.aegis.canary.workload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

class RolloutsTest {

    /** A Deployment of generation 7 and replicas, whose status the Deployment controller wrote for observed. */
    static Deployment deployment(int replicas, Long observed, int statusReplicas, int updated, int available) {
        return new DeploymentBuilder().withNewMetadata().withName("podinfo").withGeneration(7L).endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec().withNewStatus().withObservedGeneration(observed)
                .withReplicas(statusReplicas).withUpdatedReplicas(updated).withAvailableReplicas(available)
                .endStatus().build();
    }

    @Test
    void countsForAnOlderSpecAreNotTheLatestOnes() {
        // Git applied replicas 4, the controller scaled to 0 and then to 1: the status still counts the 4 pods of
        // generation 5, which are being deleted
        Deployment stale = deployment(1, 5L, 4, 4, 4);
        assertThat(Rollouts.observed(stale)).isFalse();
        assertThat(Rollouts.isComplete(stale)).isFalse();
        assertThat(Rollouts.observed(deployment(1, 7L, 1, 1, 1))).isTrue();
        assertThat(Rollouts.isComplete(deployment(1, 7L, 1, 1, 1))).isTrue();
        assertThat(Rollouts.observed(deployment(1, null, 0, 0, 0))).as("never observed").isFalse();
        assertThat(Rollouts.observed(new DeploymentBuilder().withNewMetadata().withGeneration(1L).endMetadata()
                .withNewSpec().endSpec().build())).as("no status yet").isFalse();
    }

    @Test
    void onlyPodsSureToStayCount() {
        assertThat(Rollouts.stayingAvailable(deployment(1, 7L, 4, 4, 4))).as("3 of the 4 are being deleted, maybe all")
                .isZero();
        assertThat(Rollouts.stayingAvailable(deployment(1, 7L, 1, 1, 1))).isEqualTo(1);
        assertThat(Rollouts.stayingAvailable(deployment(4, 5L, 2, 2, 2))).as("a scale-up not yet observed")
                .isEqualTo(2);
    }

    @Test
    void updatedAvailableLeavesOutOldPodsStillRunning() {
        assertThat(Rollouts.updatedAvailable(deployment(4, 7L, 5, 2, 5))).as("3 old pods of 5 available").isEqualTo(2);
        assertThat(Rollouts.updatedAvailable(deployment(4, 7L, 4, 4, 3))).isEqualTo(3);
        assertThat(Rollouts.readiness(deployment(1, 7L, 4, 4, 4), 1)).isEqualTo("4 pods ready, scaling down to 1");
    }
}
