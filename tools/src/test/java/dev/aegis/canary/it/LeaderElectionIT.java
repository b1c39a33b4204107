package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.AnalysisTemplateSpec.PrometheusSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.SecretRef;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.NotificationProviderSpec.ProviderType;
import dev.aegis.canary.api.NotificationRef;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.Severity;
import dev.aegis.canary.demo.EmbeddedApiServer.Call;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * Two replicas of the controller against one API server, as deploy/deployment.yaml runs them: only the holder of the
 * Lease changes anything; when it is killed the other takes the Lease over once it expires and carries the run on.
 * Along the way: every API request either replica made is one its role allows, and the Secrets the run uses are
 * read where referenced and shown nowhere.
 */
class LeaderElectionIT extends ProcessClusterTest {

    /** Shorter than the defaults (15s, 10s, 2s), to keep the test short; the same code path. */
    static final Duration LEASE = Duration.ofSeconds(6);
    static final Duration RENEW = Duration.ofSeconds(4);
    static final Duration RETRY = Duration.ofSeconds(1);

    Lease lease() {
        return cluster.client().resources(Lease.class).inNamespace(ProcessCluster.CONTROLLER_NAMESPACE)
                .withName("aegis-canary").get();
    }

    String holder() {
        Lease l = lease();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    /** What a replica wrote beyond taking part in the election. */
    static boolean changesTheCluster(Call c) {
        return c.writes() && !c.path().contains("/leases") && !c.path().contains("/selfsubjectrulesreviews");
    }

    /**
     * Secrets in use, as a platform team sets them up: the success-rate template reaches Prometheus with a bearer
     * token from a Secret, and a webhook's address (with its key in the path) is in a Secret too.
     */
    static void useSecrets(Fixtures fx, String token, Receiver hook) {
        fx.applyShippedTemplates();
        fx.client.resource(new SecretBuilder().withNewMetadata().withName("prometheus-token").withNamespace(fx.ns)
                .endMetadata().withStringData(Map.of("token", token)).build()).create();
        fx.client.resources(AnalysisTemplate.class).inNamespace(fx.ns).withName("request-success-rate").edit(t -> {
            PrometheusSpec prometheus = new PrometheusSpec();
            prometheus.setAddress(cluster.prometheus().url());
            SecretRef ref = new SecretRef();
            ref.setName("prometheus-token");
            prometheus.setSecretRef(ref);
            t.getSpec().setPrometheus(prometheus);
            return t;
        });
        fx.provider("audit", ProviderType.webhook, Map.of("address", hook.address()), p -> {
        });
    }

    @Test
    void onlyTheLeaseHolderActsAndTheOtherCarriesTheRunOnWhenItDies() throws Exception {
        Fixtures fx = new Fixtures(cluster.client(), "leader");
        cluster.fleet().setBehaviour(Fixtures.IMAGE + "le-2",
                VersionBehaviour.healthy().withReadyAfter(Duration.ofSeconds(1)));
        String token = "tok-" + UUID.randomUUID();
        Receiver hook = new Receiver();
        useSecrets(fx, token, hook);
        fx.deployment("podinfo", "le-1", 4);
        Map<String, String> elect = Map.of("aegis.leader-election.enabled", "true",
                "aegis.leader-election.lease-duration", LEASE.toSeconds() + "s",
                "aegis.leader-election.renew-deadline", RENEW.toSeconds() + "s",
                "aegis.leader-election.retry-period", RETRY.toSeconds() + "s");
        try (ControllerProcess a = ControllerProcess.start("replica-a", cluster, elect);
                ControllerProcess b = ControllerProcess.start("replica-b", cluster, elect);
                StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            await("a leader").atMost(Duration.ofSeconds(60)).until(() -> holder() != null);
            ControllerProcess leader = holder().equals(a.name) ? a : b;
            ControllerProcess follower = leader == a ? b : a;

            fx.canary("podinfo", "podinfo", spec -> {
                spec.setSteps(List.of(10, 50, 100));
                spec.setNotifications(List.of(new NotificationRef("audit", Severity.info)));
            });
            recorder.awaitPhase(Phase.Ready, Duration.ofSeconds(60));
            fx.setImage("podinfo", "le-2");
            await("mid-analysis at step 2").atMost(Duration.ofSeconds(60)).until(() -> {
                CanaryStatus s = fx.canaryNow("podinfo").getStatus();
                return s.getPhase() == Phase.Progressing && s.getStepIndex() == 1 && s.getStepReadyAt() != null;
            });
            assertThat(cluster.calls(leader.name, LeaderElectionIT::changesTheCluster)).as("the leader acts")
                    .isNotEmpty();
            assertThat(cluster.calls(follower.name, LeaderElectionIT::changesTheCluster))
                    .as("the follower changes nothing").isEmpty();
            assertThat(cluster.calls(follower.name, c -> c.method().equals("GET") && c.path().contains("/leases")))
                    .as("the follower keeps reading the Lease").isNotEmpty();

            leader.kill();
            Instant killed = Instant.now();
            await("the follower holds the Lease").atMost(LEASE.plus(RETRY).plusSeconds(5))
                    .pollInterval(Duration.ofMillis(100)).until(() -> follower.name.equals(holder()));
            Duration takeover = Duration.between(killed, Instant.now());
            assertThat(takeover).as("taken over within the lease time and one retry")
                    .isLessThanOrEqualTo(LEASE.plus(RETRY).plusSeconds(2));

            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, Duration.ofSeconds(90));
            assertThat(recorder.weights()).as("each step once, in order").containsExactly(10, 50, 100);
            assertThat(recorder.statuses()).filteredOn(s -> s.getPhase() == Phase.Progressing)
                    .extracting(CanaryStatus::getRunStartedAt).containsOnly(done.getRunStartedAt());
            assertThat(cluster.calls(follower.name, LeaderElectionIT::changesTheCluster))
                    .as("the new leader carried the run on").isNotEmpty();
            assertThat(Fixtures.image(fx.deploymentNow("podinfo-primary"))).isEqualTo(Fixtures.IMAGE + "le-2");
            assertThat(cluster.beyondTheRole()).as("requests the role does not allow").isEmpty();
            assertSecretsStayedSecret(fx, token, hook, List.of(a, b));
            System.out.printf("leader election: %s took over %d ms after %s was killed%n", follower.name,
                    takeover.toMillis(), leader.name);
        } finally {
            hook.close();
        }
    }

    /** Secrets are read where referenced, used, and shown nowhere: not in status, Events, messages or the log. */
    static void assertSecretsStayedSecret(Fixtures fx, String token, Receiver hook, List<ControllerProcess> all) {
        String webhookKey = "secret-token"; // the key part of the webhook's address (Receiver#address)
        for (ControllerProcess c : all) {
            assertThat(cluster.calls(c.name, call -> call.path().contains("/secrets")))
                    .extracting(call -> call.method() + " " + call.path().replaceFirst("\\?.*", ""))
                    .allMatch(call -> call.equals("GET /api/v1/namespaces/" + fx.ns + "/secrets/prometheus-token")
                            || call.equals("GET /api/v1/namespaces/" + fx.ns + "/secrets/audit-secret"));
            assertThat(c.logText()).doesNotContain(token).doesNotContain(webhookKey);
        }
        assertThat(all).as("the template's Secret was read").anyMatch(c -> !cluster.calls(c.name,
                call -> call.path().startsWith("/api/v1/namespaces/" + fx.ns + "/secrets/prometheus-token"))
                .isEmpty());
        assertThat(hook.requests()).as("the webhook was called at its secret address").isNotEmpty()
                .allMatch(r -> r.path().endsWith(webhookKey))
                .noneMatch(r -> r.body().contains(token) || r.body().contains(webhookKey));
        String status = Serialization.asJson(fx.canaryNow("podinfo").getStatus());
        assertThat(status).doesNotContain(token).doesNotContain(webhookKey);
        assertThat(fx.client.v1().events().inNamespace(fx.ns).list().getItems())
                .extracting(Event::getMessage).isNotEmpty()
                .noneMatch(m -> m.contains(token) || m.contains(webhookKey));
    }
}
