package dev.aegis.canary.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.demo.EmbeddedApiServer.Call;

class EmbeddedApiServerTest {

    @Test
    void eachRequestIsCountedForWhoeverMadeItAndKeptWhenAskedTo() {
        try (EmbeddedApiServer api = EmbeddedApiServer.start(true);
                KubernetesClient controller = api.client("aegis-canary", "demo");
                KubernetesClient demo = api.client("demo", "demo")) {
            demo.resource(new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().build()).create();
            controller.configMaps().withName("c").get();
            controller.configMaps().list();

            assertThat(api.count("aegis-canary")).isEqualTo(2);
            assertThat(api.count("demo")).isEqualTo(1);
            assertThat(api.count("nobody")).isZero();
            assertThat(api.calls(c -> c.who().equals("aegis-canary"))).containsExactly(
                    new Call("aegis-canary", "GET", "/api/v1/namespaces/demo/configmaps/c"),
                    new Call("aegis-canary", "GET", "/api/v1/namespaces/demo/configmaps"));
            assertThat(api.calls(Call::writes)).extracting(Call::who).containsExactly("demo");
        }
    }

    @Test
    void onlyCountsUnlessAskedToKeepEveryRequest() {
        try (EmbeddedApiServer api = EmbeddedApiServer.start(false);
                KubernetesClient controller = api.client("aegis-canary", "demo")) {
            controller.configMaps().list();
            assertThat(api.count("aegis-canary")).isEqualTo(1);
            assertThat(api.calls(c -> true)).isEmpty();
        }
    }

    @Test
    void aControllerAskingForItsRightsGetsTheLeaderElectionRole() {
        try (EmbeddedApiServer api = EmbeddedApiServer.start(false);
                KubernetesClient controller = api.client("aegis-canary", "aegis-system")) {
            SelfSubjectRulesReview review = controller.resource(new SelfSubjectRulesReview()).create();
            assertThat(review.getStatus().getResourceRules()).singleElement().satisfies(r -> {
                assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
                assertThat(r.getResources()).containsExactly("leases");
                assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "create", "update", "patch");
            });
        }
    }
}
