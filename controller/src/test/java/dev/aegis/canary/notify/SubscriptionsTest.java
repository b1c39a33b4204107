package dev.aegis.canary.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.NotificationRef;
import dev.aegis.canary.api.Severity;
import dev.aegis.canary.notify.Notifier.Subscription;

/** Which providers hear about a Canary: its own list, else the controller's default. */
class SubscriptionsTest {

    static Canary canary(List<NotificationRef> refs) {
        Canary c = new Canary();
        c.getMetadata().setNamespace("edge");
        c.getMetadata().setName("river-proxy");
        CanarySpec spec = new CanarySpec();
        spec.setNotifications(refs);
        c.setSpec(spec);
        return c;
    }

    @Test
    void aCanarysOwnProvidersComeWithTheirSeverityAndField() {
        assertThat(Notifier.subscriptions(canary(List.of(new NotificationRef("slack-ops", null),
                new NotificationRef("pager", Severity.error))), Optional.of("aegis-system/everything"), Severity.warn))
                .containsExactly(
                        new Subscription("edge", "slack-ops", Severity.info, "spec.notifications[0].providerRef.name"),
                        new Subscription("edge", "pager", Severity.error, "spec.notifications[1].providerRef.name"));
    }

    @Test
    void aCanaryWithoutProvidersGetsTheDefaultInItsNamespaceOrTheOneNamed() {
        assertThat(Notifier.subscriptions(canary(null), Optional.of("aegis-system/everything"), Severity.warn))
                .containsExactly(new Subscription("aegis-system", "everything", Severity.warn,
                        "aegis.notify.default-provider"));
        assertThat(Notifier.subscriptions(canary(List.of()), Optional.of("team-slack"), Severity.info))
                .containsExactly(new Subscription("edge", "team-slack", Severity.info,
                        "aegis.notify.default-provider"));
        assertThat(Notifier.subscriptions(canary(null), Optional.empty(), Severity.info)).isEmpty();
    }

    @Test
    void aSubscriptionHearsItsSeverityAndAbove() {
        assertThat(Severity.error.reaches(Severity.warn)).isTrue();
        assertThat(Severity.info.reaches(Severity.warn)).isFalse();
        assertThat(Severity.of(dev.aegis.canary.api.Phase.RolledBack)).isEqualTo(Severity.error);
        assertThat(Severity.of(dev.aegis.canary.api.Phase.Invalid)).isEqualTo(Severity.warn);
        assertThat(Severity.of(dev.aegis.canary.api.Phase.Succeeded)).isEqualTo(Severity.info);
    }
}
