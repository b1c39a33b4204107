package dev.aegis.canary.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Condition;
import dev.aegis.canary.api.Phase;

class StatusWritesTest {

    static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
    static final Duration DEADLINE = Duration.ofMinutes(10);

    static CanaryStatus status(Phase phase, int weight, String message, String progressedAt) {
        CanaryStatus s = new CanaryStatus();
        s.setPhase(phase);
        s.setWeight(weight);
        s.setMessage(message);
        s.setProgressedAt(progressedAt);
        return s;
    }

    static Condition condition(String type, String status, String message) {
        Condition c = new Condition();
        c.setType(type);
        c.setStatus(status);
        c.setMessage(message);
        return c;
    }

    @Test
    void nothingChangedIsNoWrite() {
        CanaryStatus s = status(Phase.Progressing, 10, "step 2/4", null);
        assertThat(StatusWrites.due(s, status(Phase.Progressing, 10, "step 2/4", null), NOW, NOW, DEADLINE)).isNull();
    }

    @Test
    void onlyTheCountsOfTheWorldsProgressWaitASecondAfterTheLastWrite() {
        CanaryStatus stored = status(Phase.Initializing, 0, "primary 475/575 nodes ready", "2026-12-06T09:59:59Z");
        CanaryStatus next = status(Phase.Initializing, 0, "primary 476/575 nodes ready", "2026-12-06T10:00:00Z");

        assertThat(StatusWrites.due(stored, next, NOW.minusMillis(300), NOW, DEADLINE))
                .isEqualTo(Duration.ofMillis(700));
        assertThat(StatusWrites.due(stored, next, NOW.minusSeconds(1), NOW, DEADLINE)).isZero();
        assertThat(StatusWrites.due(stored, next, null, NOW, DEADLINE)).as("not written since this controller started")
                .isZero();

        stored.setConditions(List.of(condition("Reconciling", "True", "primary 475/575 nodes ready")));
        next.setConditions(List.of(condition("Reconciling", "True", "primary 476/575 nodes ready")));
        assertThat(StatusWrites.due(stored, next, NOW.minusMillis(300), NOW, DEADLINE))
                .as("the conditions repeat the message")
                .isEqualTo(Duration.ofMillis(700));
        CanaryStatus flipped = status(Phase.Initializing, 0, "primary 476/575 nodes ready", "2026-12-06T10:00:00Z");
        flipped.setConditions(List.of(condition("Reconciling", "False", "primary 476/575 nodes ready")));
        assertThat(StatusWrites.due(stored, flipped, NOW.minusMillis(300), NOW, DEADLINE)).as("a condition flips")
                .isZero();

        CanaryStatus moved = status(Phase.Initializing, 0, "primary 476/575 nodes ready", "2026-12-06T10:00:00Z");
        moved.setConditions(List.of(condition("Reconciling", "True", "primary 476/575 nodes ready")));
        moved.setCanaryNodes(424);
        moved.setEffectiveWeight(42);
        assertThat(StatusWrites.due(stored, moved, NOW.minusMillis(300), NOW, DEADLINE))
                .as("nodes moved, the weight achieved")
                .isEqualTo(Duration.ofMillis(700));
    }

    @Test
    void anyOtherChangeIsWrittenAtOnce() {
        CanaryStatus stored = status(Phase.Progressing, 10, "step 2/4: 10%, waiting", null);
        Instant justWritten = NOW.minusMillis(10);

        assertThat(StatusWrites.due(stored, status(Phase.Progressing, 50, "step 2/4: 10%, waiting", null),
                justWritten, NOW, DEADLINE)).as("a new weight").isZero();
        assertThat(
                StatusWrites.due(stored, status(Phase.RolledBack, 10, "rolled back", null), justWritten, NOW, DEADLINE))
                .as("a new phase").isZero();
        CanaryStatus checked = status(Phase.Progressing, 10, "step 2/4: 10%, check passed", null);
        checked.setPassedChecks(1);
        assertThat(StatusWrites.due(stored, checked, justWritten, NOW, DEADLINE)).as("a check").isZero();
        assertThat(StatusWrites.due(null, stored, justWritten, NOW, DEADLINE)).as("the first status").isZero();
        CanaryStatus resized = status(Phase.Progressing, 10, "step 2/4: 10%, waiting", null);
        resized.setTotalReplicas(12);
        assertThat(StatusWrites.due(stored, resized, justWritten, NOW, DEADLINE)).as("Git's replica count, decided by")
                .isZero();
    }

    @Test
    void progressFarFromTheStoredOneIsWrittenAtOnceSinceTheDeadlineCountsFromIt() {
        CanaryStatus stored = status(Phase.Progressing, 10, "step 2/4: 10% (40/100 nodes)", "2026-12-06T09:59:50Z");
        Instant justWritten = NOW.minusMillis(10);
        assertThat(StatusWrites.due(stored, status(Phase.Progressing, 10, "step 2/4: 10% (41/100 nodes)",
                "2026-12-06T09:59:54Z"), justWritten, NOW, DEADLINE)).as("4 s later: held back").isPositive();
        assertThat(StatusWrites.due(stored, status(Phase.Progressing, 10, "step 2/4: 10% (41/100 nodes)",
                "2026-12-06T10:00:00Z"), justWritten, NOW, DEADLINE)).as("10 s later").isZero();
        assertThat(StatusWrites.due(status(Phase.Progressing, 10, "step 2/4", null), status(Phase.Progressing, 10,
                "step 2/4", "2026-12-06T10:00:00Z"), justWritten, NOW, DEADLINE)).as("the first progress").isZero();
        assertThat(StatusWrites.due(stored, status(Phase.Progressing, 10, "step 2/4: 10% (41/100 nodes)",
                "2026-12-06T09:59:51Z"), justWritten, NOW, Duration.ofSeconds(4)))
                .as("1 s later, with a deadline of 4 s: a tenth of it at most").isZero();
    }

    static Canary canary(long generation, CanaryStatus status, java.util.Map<String, String> annotations) {
        Canary c = new Canary();
        c.getMetadata().setName("podinfo");
        c.getMetadata().setNamespace("apps");
        c.getMetadata().setGeneration(generation);
        c.getMetadata().setResourceVersion("100");
        c.getMetadata().setAnnotations(annotations);
        c.setStatus(status);
        return c;
    }

    @Test
    void aConflictOnOtherWritersMetadataOnlyIsWrittenThroughAndAnythingTheDecisionReadIsNot() {
        CanaryStatus at50 = status(Phase.Progressing, 50, "step 1/2: 50%", null);
        Canary read = canary(3, at50, java.util.Map.of("team.example/owner", "payments"));

        Canary labelled = canary(3, status(Phase.Progressing, 50, "step 1/2: 50%", null),
                java.util.Map.of("team.example/owner", "checkout", "kustomize.toolkit.fluxcd.io/name", "apps"));
        labelled.getMetadata().setResourceVersion("101");
        labelled.getMetadata().setLabels(java.util.Map.of("env", "prod"));
        assertThat(StatusWrites.writesThrough(read, labelled)).as("another team's annotation and label").isTrue();

        assertThat(StatusWrites.writesThrough(read, null)).as("gone").isFalse();
        assertThat(StatusWrites.writesThrough(read, canary(4, at50, read.getMetadata().getAnnotations())))
                .as("a new spec").isFalse();
        assertThat(StatusWrites.writesThrough(read, canary(3, status(Phase.Progressing, 100, "step 2/2: 100%", null),
                read.getMetadata().getAnnotations()))).as("another writer of the status").isFalse();
        assertThat(StatusWrites.writesThrough(read, canary(3, at50, java.util.Map.of("team.example/owner", "payments",
                "canary.aegis.dev/request", "pause", "canary.aegis.dev/requested-by", "alice"))))
                .as("a manual request").isFalse();
        Canary deleting = canary(3, at50, read.getMetadata().getAnnotations());
        deleting.getMetadata().setDeletionTimestamp("2026-12-06T10:00:00Z");
        assertThat(StatusWrites.writesThrough(read, deleting)).as("deletion").isFalse();
    }

    @Test
    void progressThatTellsSomethingIsWrittenAtOnce() {
        CanaryStatus stored = status(Phase.Progressing, 10, "step 2/4: 10% (3/30 nodes)", "2026-12-06T09:59:59Z");
        CanaryStatus next = status(Phase.Progressing, 10, "step 2/4: 10% (4/30 nodes)", "2026-12-06T10:00:00Z");
        assertThat(StatusWrites.due(stored, next, NOW.minusMillis(300), NOW, DEADLINE, false))
                .isEqualTo(Duration.ofMillis(700));
        assertThat(StatusWrites.due(stored, next, NOW.minusMillis(300), NOW, DEADLINE, true))
                .as("an Event waits for the status that caused it").isZero();
        assertThat(StatusWrites.due(stored, status(Phase.Progressing, 10, "step 2/4: 10% (3/30 nodes)",
                "2026-12-06T09:59:59Z"), NOW.minusMillis(300), NOW, DEADLINE, true)).as("nothing to write").isNull();
    }
}
