package dev.aegis.canary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.TargetRef;

class CanaryViewTest {

    static Canary canary(String name, Phase phase) {
        Canary c = new Canary();
        c.getMetadata().setName(name);
        c.getMetadata().setNamespace("edge");
        CanarySpec spec = new CanarySpec();
        TargetRef target = new TargetRef();
        target.setKind(dev.aegis.canary.api.WorkloadKind.DaemonSet);
        target.setName("river-proxy");
        spec.setTargetRef(target);
        spec.setSteps(List.of(1, 10, 50, 100));
        c.setSpec(spec);
        CanaryStatus s = new CanaryStatus();
        s.setPhase(phase);
        s.setStableRevision("6d8f9c");
        s.setCanaryRevision("7e1a2b");
        s.setStepIndex(1);
        s.setWeight(10);
        s.setEffectiveWeight(11);
        s.setCanaryNodes(13);
        s.setTotalNodes(120);
        s.setPassedChecks(1);
        s.setMessage("step 2/4: 10% (13/120 nodes), first check in 1m");
        s.setLastCheckAt("2026-12-06T17:00:00Z");
        s.setLastAnalysis(List.of(new MetricResult("success-rate", 99.912, ">= 99", CheckResult.Pass, null, "q", "t"),
                new MetricResult("latency-p99", 120.0, "<= 500", CheckResult.Pass, null, "q", "t")));
        c.setStatus(s);
        return c;
    }

    @Test
    void aRunShowsEachStepWhatTheRouterAchievedNowAndTheLastChecksWithTheirThresholds() {
        assertThat(CanaryView.render(canary("river-proxy", Phase.Progressing))).isEqualTo("""
                Canary edge/river-proxy → DaemonSet river-proxy
                Phase:    Progressing
                Message:  step 2/4: 10% (13/120 nodes), first check in 1m
                Revision: stable 6d8f9c, canary 7e1a2b
                STEP  WEIGHT  STATE
                1     1%      passed
                2     10%     now: effective 11%, 13/120 nodes
                3     50%
                4     100%
                Last checks (2026-12-06T17:00:00Z):
                CHECK         VALUE   WANT    RESULT
                success-rate  99.912  >= 99   Pass
                latency-p99   120     <= 500  Pass
                Checks:   1 passed, 0 failed, 0 without data
                """);
    }

    @Test
    void aRollbackShowsTheStepItHappenedAt() {
        assertThat(CanaryView.render(canary("river-proxy", Phase.RolledBack))).contains("""
                1     1%
                2     10%     rolled back here
                3     50%
                """);
    }

    @Test
    void theListHasOneLinePerCanary() {
        Canary unseen = canary("fresh", Phase.Ready);
        unseen.setStatus(null);
        assertThat(CanaryView.list(List.of(canary("river-proxy", Phase.Progressing), unseen))).isEqualTo(
                """
                        NAMESPACE  NAME         TARGET                 PHASE        WEIGHT  MESSAGE
                        edge       river-proxy  DaemonSet/river-proxy  Progressing  10%     step 2/4: 10% (13/120 nodes), first check in 1m
                        edge       fresh        DaemonSet/river-proxy  -            -
                        """);
    }
}
