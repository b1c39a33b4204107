package dev.aegis.canary.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.rollout.TargetClaims.Claim;

class TargetClaimsTest {

    static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

    static Claim claim(String canary, Instant created, String target) {
        return new Claim(canary, created, WorkloadKind.Deployment, target);
    }

    @Test
    void theCanaryCreatedFirstHoldsTheTarget() {
        Claim first = claim("zeta", T, "podinfo");
        Claim second = claim("alpha", T.plusSeconds(1), "podinfo");
        List<Claim> all = List.of(second, first);
        assertThat(TargetClaims.heldBy(first, all)).isEmpty();
        assertThat(TargetClaims.heldBy(second, all)).contains(first);
        assertThat(TargetClaims.problem(second, first)).isEqualTo("spec.targetRef: Deployment 'podinfo' is already "
                + "the target of Canary 'zeta' (created first); a workload can have one Canary: delete this one or "
                + "point it at another workload");
    }

    @Test
    void createdInTheSameSecondTheFirstByNameHoldsIt() {
        Claim a = claim("a", T, "podinfo");
        Claim b = claim("b", T, "podinfo");
        assertThat(TargetClaims.heldBy(b, List.of(a, b))).contains(a);
        assertThat(TargetClaims.heldBy(a, List.of(b, a))).isEmpty();
    }

    @Test
    void otherWorkloadsAndOtherKindsAreNoClaim() {
        Claim mine = claim("b", T.plusSeconds(5), "podinfo");
        Claim otherTarget = claim("a", T, "frontend");
        Claim daemonSet = new Claim("c", T, WorkloadKind.DaemonSet, "podinfo");
        assertThat(TargetClaims.heldBy(mine, List.of(mine, otherTarget, daemonSet))).isEmpty();
    }

    @Test
    void aCanaryNotYetStoredComesAfterStoredOnes() {
        Claim stored = claim("b", T, "podinfo");
        Claim unsaved = claim("a", null, "podinfo");
        assertThat(TargetClaims.heldBy(unsaved, List.of(unsaved, stored))).contains(stored);
    }
}
