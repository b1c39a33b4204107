package dev.aegis.canary.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.NotificationProviderSpec.ProviderType;
import dev.aegis.canary.api.Phase;

class PayloadsTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:15:30Z");
    static final Notification.Subject SUBJECT = new Notification.Subject("uid-1", "edge", "river-proxy",
            "DaemonSet", "river-proxy", 4);

    static CanaryStatus status(Phase phase, int step, int weight) {
        CanaryStatus s = new CanaryStatus();
        s.setPhase(phase);
        s.setStepIndex(step);
        s.setWeight(weight);
        s.setEffectiveWeight(weight);
        s.setCanaryNodes(12);
        s.setTotalNodes(118);
        s.setStableRevision("5d8f7c9b");
        s.setCanaryRevision("7b6c4d2a");
        s.setRunStartedAt("2026-11-24T10:00:00Z");
        return s;
    }

    static Notification rollback() {
        CanaryStatus before = status(Phase.Progressing, 1, 10);
        CanaryStatus after = status(Phase.RolledBack, 1, 0);
        after.setCanaryNodes(12);
        after.setMessage("rolled back revision 7b6c4d2a at step 2/4 (10%): success-rate 94 (want >= 99)");
        after.setLastAnalysis(List.of(
                new MetricResult("success-rate", 94.0, ">= 99", CheckResult.Fail, null, "q", "t"),
                new MetricResult("latency-p99", 120.0, "<= 500", CheckResult.Pass, null, "q", "t")));
        return Notification.between(SUBJECT, before, after, new Notification.Images("proxy=r/p:1", "proxy=r/p:2"),
                NOW).orElseThrow();
    }

    @Test
    void theWebhookPayloadHasEveryDocumentedField() {
        assertThat(Payloads.render(rollback(), new Payloads.Target(ProviderType.webhook, "edge-eu1", null, null)))
                .isEqualTo("""
                        {"apiVersion":"canary.aegis.dev/v1alpha1","kind":"CanaryNotification","id":"%s",\
                        "time":"2026-11-24T10:15:30Z","cluster":"edge-eu1","namespace":"edge","name":"river-proxy",\
                        "target":{"kind":"DaemonSet","name":"river-proxy"},"phase":"RolledBack",\
                        "previousPhase":"Progressing","severity":"error",\
                        "message":"rolled back revision 7b6c4d2a at step 2/4 (10%%): success-rate 94 (want >= 99)",\
                        "step":{"index":2,"count":4,"weight":10,"effectiveWeight":10},\
                        "nodes":{"canary":12,"total":118},\
                        "revisions":{"stable":"5d8f7c9b","canary":"7b6c4d2a"},\
                        "images":{"stable":"proxy=r/p:1","canary":"proxy=r/p:2"},\
                        "failedMetrics":[{"metric":"success-rate","value":94.0,"range":">= 99"}]}"""
                        .formatted(rollback().id()));
    }

    @Test
    void slackGetsTheFactsAsFieldsAndEscapesMarkup() {
        String json = Payloads.render(rollback(), new Payloads.Target(ProviderType.slack, "edge-eu1", "#deploys",
                null));
        assertThat(json).startsWith("{\"channel\":\"#deploys\",\"username\":\"aegis-canary\",\"text\":\"edge/river-"
                + "proxy rolled back: rolled back revision 7b6c4d2a at step 2/4 (10%): success-rate 94 (want &gt;= 99)\"");
        assertThat(json).contains("\"*Step*\\n2/4 (10%)\"", "\"*Nodes*\\n12/118\"",
                "\"*Revision*\\n5d8f7c9b → 7b6c4d2a\"", "\"*Image*\\nproxy=r/p:1 → proxy=r/p:2\"",
                "\"*Failing*\\nsuccess-rate 94 (want &gt;= 99)\"", ":red_circle:");
    }

    @Test
    void theSameChangeHasTheSameIdAndNothingIsToldWithoutAChange() {
        assertThat(rollback().id()).isEqualTo(rollback().id()).hasSize(24);
        CanaryStatus s = status(Phase.Progressing, 1, 10);
        assertThat(Notification.between(SUBJECT, s, status(Phase.Progressing, 2, 50), null, NOW)).isEmpty();
        CanaryStatus restarted = status(Phase.Progressing, 0, 1);
        restarted.setRunStartedAt("2026-11-24T10:05:00Z");
        assertThat(Notification.between(SUBJECT, s, restarted, null, NOW)).get()
                .extracting(Notification::headline).isEqualTo("edge/river-proxy restarted its run with a newer "
                        + "revision");
    }

    @Test
    void aRunThatStartsReportsItsFirstStepNotWhatTheRouterHadBefore() {
        CanaryStatus ready = status(Phase.Ready, 0, 0);
        CanaryStatus started = status(Phase.Progressing, 0, 1);
        started.setRunStartedAt("2026-11-24T10:10:00Z"); // a new run
        started.setEffectiveWeight(50); // observed before the router moved
        started.setCanaryNodes(60);
        Notification n = Notification.between(SUBJECT, ready, started, null, NOW).orElseThrow();
        assertThat(n.stepText()).isEqualTo("1/4 (1%)");
        assertThat(n.nodesText()).isEqualTo("0/118");
    }

    @Test
    void comingBackFromASuspensionToTheSameOutcomeIsNotToldAgain() {
        CanaryStatus suspended = status(Phase.Suspended, 1, 0);
        CanaryStatus stillRolledBack = status(Phase.RolledBack, 1, 0);
        assertThat(Notification.between(SUBJECT, suspended, stillRolledBack, null, NOW)).isEmpty();
        CanaryStatus resumedRun = status(Phase.Progressing, 1, 10);
        assertThat(Notification.between(SUBJECT, suspended, resumedRun, null, NOW)).get()
                .extracting(Notification::effectiveWeight).as("a run resumed, not started").isEqualTo(10);
    }

    @Test
    void theSignatureIsRfc4231HmacSha256() {
        // RFC 4231, test case 2
        assertThat(Signature.of("Jefe", "what do ya want for nothing?".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
