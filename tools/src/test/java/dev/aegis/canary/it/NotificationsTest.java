package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.Event;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.NotificationProviderSpec.ProviderType;
import dev.aegis.canary.api.NotificationRef;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.Severity;
import dev.aegis.canary.sim.VersionBehaviour;

/** Notifications as the receivers get them: local HTTP endpoints standing in for Slack, Teams, Discord, webhooks. */
@QuarkusTest
class NotificationsTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(90);

    @Inject
    MeterRegistry registry;

    @Test
    void slackHearsEveryPhaseChangeOnceAndTheWebhookGetsASignedPayload() throws Exception {
        Fixtures fx = new Fixtures(client, "notify");
        try (Receiver slack = new Receiver(); Receiver hook = new Receiver()) {
            fx.provider("slack-ops", ProviderType.slack, Map.of("address", slack.address()), p -> {
                p.setChannel("#deploys");
                p.setCluster("edge-eu1");
            });
            fx.provider("audit", ProviderType.webhook, Map.of("address", hook.address(), "hmacKey", "s3cret"), p -> {
            });
            fx.applyShippedTemplates();
            fx.deployment("podinfo", "n-1", 4);
            fx.canary("podinfo", "podinfo", spec -> {
                spec.setSteps(List.of(50, 100));
                spec.setNotifications(List.of(new NotificationRef("slack-ops", null),
                        new NotificationRef("audit", Severity.info)));
            });
            try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
                CanaryStatus ready = recorder.awaitPhase(Phase.Ready, RUN);
                fx.setImage("podinfo", "n-2");
                CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
                String ns = fx.ns;
                await().atMost(Duration.ofSeconds(10)).until(() -> slack.requests().size() >= 5
                        && hook.requests().size() >= 5);
                Thread.sleep(1000); // nothing more arrives: one message per phase change

                assertThat(slack.requests()).extracting(r -> r.json().at("/blocks/0/text/text").asText())
                        .containsExactly(ns + "/podinfo is initializing", ns + "/podinfo is ready",
                                ns + "/podinfo started a canary run", ns + "/podinfo passed every step, promoting",
                                ns + "/podinfo promoted");
                JsonNode promoted = slack.requests().get(4).json();
                assertThat(slack.requests().get(4).path()).isEqualTo("/services/T000/B000/secret-token");
                assertThat(promoted.get("channel").asText()).isEqualTo("#deploys");
                assertThat(promoted.get("username").asText()).isEqualTo("aegis-canary");
                assertThat(promoted.get("text").asText()).isEqualTo(ns + "/podinfo promoted: " + done.getMessage());
                assertThat(promoted.at("/blocks/1/text/text").asText()).isEqualTo(":large_blue_circle: "
                        + done.getMessage());
                assertThat(promoted.at("/blocks/2/fields")).extracting(f -> f.get("text").asText()).containsExactly(
                        "*Canary*\n" + ns + "/podinfo",
                        "*Cluster*\nedge-eu1",
                        "*Phase*\nPromoting → Succeeded",
                        "*Target*\nDeployment podinfo",
                        "*Step*\n2/2 (100%)",
                        "*Revision*\n" + ready.getStableRevision() + " → " + done.getStableRevision(),
                        "*Image*\napp=" + Fixtures.IMAGE + "n-2");
                JsonNode started = slack.requests().get(2).json();
                assertThat(started.at("/blocks/2/fields")).extracting(f -> f.get("text").asText()).contains(
                        "*Phase*\nReady → Progressing", "*Step*\n1/2 (50%)",
                        "*Image*\napp=" + Fixtures.IMAGE + "n-1 → app=" + Fixtures.IMAGE + "n-2");

                Receiver.Request last = hook.requests().get(4);
                assertThat(last.header("X-Aegis-Signature")).isEqualTo("sha256=" + hmac("s3cret", last.body()));
                JsonNode body = last.json();
                assertThat(last.header("X-Aegis-Event-Id")).isEqualTo(body.get("id").asText());
                assertThat(body.get("apiVersion").asText()).isEqualTo("canary.aegis.dev/v1alpha1");
                assertThat(body.get("kind").asText()).isEqualTo("CanaryNotification");
                assertThat(body.get("cluster").asText()).isEqualTo("kubernetes");
                assertThat(body.get("namespace").asText()).isEqualTo(ns);
                assertThat(body.get("name").asText()).isEqualTo("podinfo");
                assertThat(body.at("/target/kind").asText()).isEqualTo("Deployment");
                assertThat(body.get("phase").asText()).isEqualTo("Succeeded");
                assertThat(body.get("previousPhase").asText()).isEqualTo("Promoting");
                assertThat(body.get("severity").asText()).isEqualTo("info");
                assertThat(body.get("message").asText()).isEqualTo(done.getMessage());
                assertThat(body.at("/step/index").asInt()).isEqualTo(2);
                assertThat(body.at("/step/count").asInt()).isEqualTo(2);
                assertThat(body.at("/step/weight").asInt()).isEqualTo(100);
                assertThat(body.at("/revisions/stable").asText()).isEqualTo(ready.getStableRevision());
                assertThat(body.at("/revisions/canary").asText()).isEqualTo(done.getStableRevision());
                assertThat(body.get("failedMetrics")).isEmpty();
                assertThat(hook.requests()).extracting(r -> r.json().get("phase").asText()).containsExactly(
                        "Initializing", "Ready", "Progressing", "Promoting", "Succeeded");
                assertThat(hook.requests()).extracting(r -> r.header("X-Aegis-Event-Id")).doesNotHaveDuplicates();
                assertThat(sent(ns, "slack-ops")).isEqualTo(5);
                assertThat(sent(ns, "audit")).isEqualTo(5);
            }
        }
    }

    @Test
    void aRollbackReachesEverySeverityWithTheFailingMetric() throws Exception {
        Fixtures fx = new Fixtures(client, "notify-bad");
        try (Receiver teams = new Receiver(); Receiver discord = new Receiver(); Receiver slack = new Receiver()) {
            fx.provider("teams", ProviderType.msteams, Map.of("address", teams.address()), p -> {
            });
            fx.provider("discord", ProviderType.discord, Map.of("address", discord.address()), p -> {
            });
            fx.provider("pager", ProviderType.slack, Map.of("address", slack.address()), p -> {
            });
            fx.applyShippedTemplates();
            fx.deployment("podinfo", "nb-1", 4);
            fleet.setBehaviour(Fixtures.IMAGE + "nb-2", VersionBehaviour.healthy().withErrorRatio(0.2));
            fx.canary("podinfo", "podinfo", spec -> {
                spec.setSteps(List.of(50, 100));
                spec.setNotifications(List.of(new NotificationRef("teams", Severity.info),
                        new NotificationRef("discord", Severity.warn), new NotificationRef("pager", Severity.error)));
            });
            try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
                recorder.awaitPhase(Phase.Ready, RUN);
                fx.setImage("podinfo", "nb-2");
                CanaryStatus rolledBack = recorder.awaitPhase(Phase.RolledBack, RUN);
                await().atMost(Duration.ofSeconds(10)).until(() -> teams.requests().size() >= 4
                        && discord.requests().size() >= 1 && slack.requests().size() >= 1);
                Thread.sleep(1000);
                String ns = fx.ns;

                assertThat(teams.requests()).extracting(r -> r.json().at("/attachments/0/content/body/0/text")
                        .asText()).containsExactly(ns + "/podinfo is initializing", ns + "/podinfo is ready",
                                ns + "/podinfo started a canary run", ns + "/podinfo rolled back");
                JsonNode card = teams.requests().get(3).json().at("/attachments/0");
                assertThat(card.get("contentType").asText()).isEqualTo("application/vnd.microsoft.card.adaptive");
                assertThat(card.at("/content/type").asText()).isEqualTo("AdaptiveCard");
                assertThat(card.at("/content/body/0/color").asText()).isEqualTo("Attention");
                assertThat(card.at("/content/body/1/text").asText()).isEqualTo(rolledBack.getMessage());
                Map<String, String> facts = facts(card.at("/content/body/2/facts"), "title", "value");
                assertThat(facts).containsEntry("Phase", "Progressing → RolledBack")
                        .containsEntry("Step", "1/2 (50%)");
                assertThat(facts.get("Failing")).startsWith("success-rate ").endsWith(" (want >= 99)");

                assertThat(discord.requests()).hasSize(1);
                JsonNode embed = discord.requests().get(0).json().at("/embeds/0");
                assertThat(embed.get("title").asText()).isEqualTo(ns + "/podinfo rolled back");
                assertThat(embed.get("color").asInt()).isEqualTo(0xEB5757);
                assertThat(facts(embed.get("fields"), "name", "value").get("Failing")).isEqualTo(
                        facts.get("Failing"));

                assertThat(slack.requests()).hasSize(1);
                JsonNode message = slack.requests().get(0).json();
                assertThat(message.at("/blocks/0/text/text").asText()).isEqualTo(ns + "/podinfo rolled back");
                assertThat(message.at("/blocks/1/text/text").asText()).startsWith(":red_circle: rolled back");
                assertThat(rolledBack.getMessage()).contains(facts.get("Failing"));
            }
        }
    }

    @Test
    void aReceiverThatFailsTwiceGetsEachMessageOnce() throws Exception {
        Fixtures fx = new Fixtures(client, "notify-retry");
        try (Receiver hook = new Receiver().answering(503, 429)) {
            fx.provider("flaky", ProviderType.webhook, Map.of("address", hook.address()), p -> {
            });
            fx.applyShippedTemplates();
            fx.deployment("podinfo", "nr-1", 2);
            fx.canary("podinfo", "podinfo", spec -> spec.setNotifications(List.of(new NotificationRef("flaky",
                    null))));
            try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
                recorder.awaitPhase(Phase.Ready, RUN);
                await().atMost(Duration.ofSeconds(10)).until(() -> sent(fx.ns, "flaky") == 2);

                // Initializing: 503, 429, then delivered; Ready: once. Two messages, four requests.
                List<Receiver.Request> requests = hook.requests();
                assertThat(requests).extracting(r -> r.json().get("phase").asText())
                        .containsExactly("Initializing", "Initializing", "Initializing", "Ready");
                assertThat(requests.stream().map(Receiver.Request::body).distinct().count()).isEqualTo(2);
                assertThat(requests.stream().collect(Collectors.groupingBy(r -> r.header("X-Aegis-Event-Id"),
                        Collectors.counting())).values()).containsExactlyInAnyOrder(3L, 1L);
                assertThat(failed(fx.ns, "flaky")).isZero();
                assertThat(io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200).extract()
                        .asString()).contains("aegis_notifications_sent_total{namespace=\"" + fx.ns
                                + "\",provider=\"flaky\",type=\"webhook\"} 2.0");
                assertThat(fx.events("podinfo")).extracting(Event::getReason).doesNotContain("NotificationFailed");
            }
        }
    }

    @Test
    void aReceiverThatHangsNeitherHoldsTheRolloutNorLeaksTheAddress() throws Exception {
        Fixtures fx = new Fixtures(client, "notify-hang");
        try (Receiver hook = new Receiver().hanging()) {
            fx.provider("stuck", ProviderType.slack, Map.of("address", hook.address()), p -> p.setTimeout("1s"));
            fx.applyShippedTemplates();
            fx.deployment("podinfo", "nh-1", 2);
            fx.canary("podinfo", "podinfo", spec -> {
                spec.setSteps(List.of(50, 100));
                spec.setNotifications(List.of(new NotificationRef("stuck", null)));
            });
            try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
                recorder.awaitPhase(Phase.Ready, RUN);
                fx.setImage("podinfo", "nh-2");
                recorder.awaitPhase(Phase.Succeeded, RUN);
                assertThat(hook.requests()).isNotEmpty();

                await().atMost(Duration.ofSeconds(30)).until(() -> failed(fx.ns, "stuck") >= 1);
                Event failure = fx.events("podinfo").stream()
                        .filter(e -> "NotificationFailed".equals(e.getReason())).findFirst().orElseThrow();
                assertThat(failure.getType()).isEqualTo("Warning");
                assertThat(failure.getMessage()).isEqualTo("the Initializing notification to stuck was not "
                        + "delivered: HttpTimeoutException: request timed out (after 5 attempts)");
                assertThat(fx.events("podinfo")).extracting(Event::getMessage)
                        .noneMatch(m -> m.contains("secret-token") || m.contains(hook.address()));
            }
        }
    }

    @Test
    void aMissingProviderIsNamedInAnEventAndTheRolloutCarriesOn() throws Exception {
        Fixtures fx = new Fixtures(client, "notify-missing");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "nm-1", 2);
        fx.canary("podinfo", "podinfo", spec -> spec.setNotifications(List.of(new NotificationRef("nope", null))));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fx.events("podinfo"))
                    .filteredOn(e -> "NotificationFailed".equals(e.getReason()))
                    .extracting(Event::getMessage)
                    .contains("the Ready notification to nope was not delivered: spec.notifications[0].providerRef"
                            + ".name: NotificationProvider 'nope' not found in namespace " + fx.ns));
        }
    }

    private static Map<String, String> facts(JsonNode array, String key, String value) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        array.forEach(f -> out.put(f.get(key).asText(), f.get(value).asText()));
        return out;
    }

    private double sent(String ns, String provider) {
        Counter c = registry.find("aegis.notifications.sent").tags("namespace", ns, "provider", provider).counter();
        return c == null ? 0 : c.count();
    }

    private double failed(String ns, String provider) {
        Counter c = registry.find("aegis.notifications.failed").tags("namespace", ns, "provider", provider)
                .counter();
        return c == null ? 0 : c.count();
    }

    private static String hmac(String key, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }
}
