package dev.aegis.canary.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.routing.OrdinalMoves.DeletePod;
import dev.aegis.canary.routing.OrdinalMoves.Done;
import dev.aegis.canary.routing.OrdinalMoves.PodState;
import dev.aegis.canary.routing.OrdinalMoves.SetPartition;
import dev.aegis.canary.routing.OrdinalMoves.Wait;
import dev.aegis.canary.routing.OrdinalMoves.World;

class OrdinalMovesTest {

    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    static final String OLD = "web-6d5f";
    static final String NEW = "web-7c8a";

    @Test
    void theCanaryIsTheWeightsShareOfReplicasRoundedUpAndAtLeastOnePod() {
        assertThat(List.of(1, 10, 50, 100).stream().map(w -> OrdinalMoves.canaryPods(w, 10)).toList())
                .containsExactly(1, 1, 5, 10);
        assertThat(OrdinalMoves.canaryPods(1, 3)).isEqualTo(1);
        assertThat(OrdinalMoves.canaryPods(34, 3)).isEqualTo(2);
        assertThat(OrdinalMoves.canaryPods(0, 10)).isZero();
        assertThat(OrdinalMoves.canaryPods(100, 0)).isZero();
    }

    @Test
    void aStepFirstWritesThePartitionThatLeavesTheHighestOrdinalsToTheCanary() {
        World held = world(10, 10, pods(10, 10, NEW));
        assertThat(OrdinalMoves.next(held, 1)).isEqualTo(new SetPartition(9));
        assertThat(OrdinalMoves.next(held, 5)).isEqualTo(new SetPartition(5));
        assertThat(OrdinalMoves.next(world(10, 5, pods(10, 5, NEW)), 10)).isEqualTo(new SetPartition(0));
    }

    @Test
    void theStatefulSetControllerUpdatesTheCanarysPodsItselfAndTheStepIsReachedWhenTheyAreAvailable() {
        List<PodState> pods = pods(10, 10, NEW); // pod 9 still on the old revision
        assertThat(OrdinalMoves.next(world(10, 9, pods), 1)).isEqualTo(new Wait(
                "the StatefulSet controller to update pod(s) [9]"));
        pods.set(9, new PodState(9, NEW, false, null, false));
        assertThat(OrdinalMoves.next(world(10, 9, pods), 1)).isEqualTo(new Wait("1 pod(s) to be available"));
        pods.set(9, new PodState(9, NEW, true, NOW.minusSeconds(1), false));
        World reached = world(10, 9, pods);
        assertThat(OrdinalMoves.next(reached, 1)).isEqualTo(new Done());
        assertThat(OrdinalMoves.servingCanary(reached)).isEqualTo(1);
    }

    @Test
    void aPodReadyForLessThanMinReadySecondsIsNotAvailableYet() {
        List<PodState> pods = pods(4, 3, NEW);
        pods.set(3, new PodState(3, NEW, true, NOW.minusSeconds(5), false));
        World w = new World(4, 3, OLD, NEW, true, pods, 1, Duration.ofSeconds(10), NOW);
        assertThat(OrdinalMoves.next(w, 1)).isEqualTo(new Wait("1 pod(s) to be available"));
        assertThat(OrdinalMoves.servingCanary(w)).isZero();
        World later = new World(4, 3, OLD, NEW, true, pods, 1, Duration.ofSeconds(10), NOW.plusSeconds(5));
        assertThat(OrdinalMoves.next(later, 1)).isEqualTo(new Done());
    }

    @Test
    void aRollbackRaisesThePartitionFirstThenReplacesTheCanarysPodsOneAtATimeFromTheHighest() {
        List<PodState> pods = pods(10, 5, NEW); // 50%: pods 5..9 on the canary
        assertThat(OrdinalMoves.next(world(10, 5, pods), 0)).isEqualTo(new SetPartition(10));

        World raised = world(10, 10, pods);
        assertThat(OrdinalMoves.next(raised, 0)).isInstanceOfSatisfying(DeletePod.class,
                d -> assertThat(d.ordinal()).isEqualTo(9));
        // pod 9 is being recreated: with maxUnavailable 1, nothing else goes until it is back
        pods.set(9, new PodState(9, OLD, false, null, false));
        assertThat(OrdinalMoves.next(world(10, 10, pods), 0)).isEqualTo(new Wait(
                "1 pod(s) to be available before pod 8 is replaced"));
        pods.set(9, ready(9, OLD));
        assertThat(OrdinalMoves.next(world(10, 10, pods), 0)).isInstanceOfSatisfying(DeletePod.class,
                d -> assertThat(d.ordinal()).isEqualTo(8));
    }

    @Test
    void maxUnavailableLetsThatManyPodsBeReplacedAtOnce() {
        List<PodState> pods = pods(10, 5, NEW);
        pods.set(9, new PodState(9, OLD, false, null, false));
        World w = new World(10, 10, OLD, NEW, true, pods, 2, Duration.ZERO, NOW);
        assertThat(OrdinalMoves.next(w, 0)).isInstanceOfSatisfying(DeletePod.class,
                d -> assertThat(d.ordinal()).isEqualTo(8));
    }

    @Test
    void nothingMovesUntilTheStatefulSetControllerSawThePartition() {
        World w = new World(10, 10, OLD, NEW, false, pods(10, 5, NEW), 1, Duration.ZERO, NOW);
        assertThat(OrdinalMoves.next(w, 0)).isEqualTo(new Wait("the StatefulSet controller to see partition 10"));
    }

    @Test
    void replicasAddedMidRunKeepTheCanarysShare() {
        // 10% of 10 = pod 9; scaled to 12 the StatefulSet controller made pods 10 and 11 at the update revision
        List<PodState> pods = pods(12, 9, NEW);
        World scaled = world(12, 9, pods);
        assertThat(OrdinalMoves.canaryPods(10, 12)).isEqualTo(2);
        assertThat(OrdinalMoves.next(scaled, 2)).isEqualTo(new SetPartition(10));
        // pod 9, now below the partition, goes back to the old revision
        assertThat(OrdinalMoves.next(world(12, 10, pods), 2)).isInstanceOfSatisfying(DeletePod.class,
                d -> assertThat(d.ordinal()).isEqualTo(9));
    }

    @Test
    void aPodOfAnEarlierCanaryRevisionBelowThePartitionGoesBackToo() {
        List<PodState> pods = pods(4, 4, NEW);
        pods.set(3, ready(3, "web-5555")); // the revision Git replaced mid-run
        assertThat(OrdinalMoves.next(world(4, 4, pods), 0)).isInstanceOfSatisfying(DeletePod.class,
                d -> assertThat(d.ordinal()).isEqualTo(3));
    }

    @Test
    void aPromotionIsDoneWhenEveryPodRunsTheUpdateRevision() {
        assertThat(OrdinalMoves.next(world(4, 0, pods(4, 0, NEW)), 4)).isEqualTo(new Done());
        assertThat(OrdinalMoves.servingCanary(world(4, 0, pods(4, 0, NEW)))).isEqualTo(4);
    }

    @Test
    void withNothingPendingOnlyThePodsAtOrAboveThePartitionCountAsTheCanary() {
        World settled = new World(4, 4, OLD, OLD, true, pods(4, 4, OLD), 1, Duration.ZERO, NOW);
        assertThat(OrdinalMoves.next(settled, 0)).isEqualTo(new Done());
        assertThat(OrdinalMoves.servingCanary(settled)).isZero();
    }

    @Test
    void aMissingPodIsWaitedForAndScaleDownIsLeftToTheStatefulSetController() {
        List<PodState> pods = pods(4, 4, NEW);
        pods.remove(2);
        assertThat(OrdinalMoves.next(world(4, 4, pods), 0)).isEqualTo(new Wait("1 pod(s) to be available"));
        List<PodState> extra = pods(5, 5, NEW);
        assertThat(OrdinalMoves.next(world(4, 4, extra), 0)).isEqualTo(new Wait(
                "the StatefulSet controller to remove pods beyond 4 replicas"));
    }

    /** Ready pods 0..n-1: those below {@code from} on OLD, the rest on {@code canary}. */
    static List<PodState> pods(int n, int from, String canary) {
        List<PodState> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pods.add(ready(i, i < from ? OLD : canary));
        }
        return pods;
    }

    static PodState ready(int ordinal, String revision) {
        return new PodState(ordinal, revision, true, NOW.minusSeconds(60), false);
    }

    static World world(int replicas, int partition, List<PodState> pods) {
        return new World(replicas, partition, OLD, NEW, true, pods, 1, Duration.ZERO, NOW);
    }
}
