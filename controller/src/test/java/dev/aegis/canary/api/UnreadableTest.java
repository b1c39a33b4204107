package dev.aegis.canary.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * A spec that only a bypassed CRD schema lets through is read as a stand-in naming the field, and written back exactly
 * as it was stored (a clone or a patch diff must see the same object).
 */
class UnreadableTest {

    record Bad(String spec, String problem) {

        @Override
        public String toString() {
            return spec;
        }
    }

    static List<Bad> canaries() {
        return List.of(
                new Bad("{\"targetRef\":{\"kind\":\"Deployment\",\"name\":\"podinfo\"},\"steps\":\"ten\"}",
                        "spec.steps must be a list, got the string \"ten\""),
                new Bad("{\"targetRef\":{\"kind\":\"Deployment\",\"name\":\"podinfo\"},\"steps\":[1,\"half\",100]}",
                        "spec.steps[1] must be an integer, got the string \"half\""),
                new Bad("{\"targetRef\":{\"kind\":\"Deployment\",\"name\":\"podinfo\"},\"traffic\":{\"router\":\"istio\"}}",
                        "spec.traffic.router must be one of replicas, nodes, gateway-api, nginx, got the string "
                                + "\"istio\""),
                new Bad("{\"targetRef\":{\"kind\":\"ReplicaSet\",\"name\":\"podinfo\"}}",
                        "spec.targetRef.kind must be one of Deployment, DaemonSet, StatefulSet, got the string "
                                + "\"ReplicaSet\""),
                new Bad("{\"targetRef\":{\"kind\":\"Deployment\",\"name\":\"podinfo\"},\"analysis\":{\"failureLimit\":"
                        + "\"many\"}}", "spec.analysis.failureLimit must be an integer, got the string \"many\""),
                new Bad("{\"targetRef\":{\"kind\":\"Deployment\",\"name\":\"podinfo\"},\"analysis\":{\"metrics\":[{"
                        + "\"name\":\"m\",\"templateRef\":{\"name\":\"t\"},\"thresholdRange\":{\"min\":\"high\"}}]}}",
                        "spec.analysis.metrics[0].thresholdRange.min must be a number, got the string \"high\""),
                new Bad("{\"targetRef\":\"podinfo\"}", "spec.targetRef must be an object, got the string \"podinfo\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("canaries")
    void aCanarySpecThatCannotBeReadNamesTheFieldAndKeepsTheStoredJson(Bad bad) {
        String json = "{\"apiVersion\":\"canary.aegis.dev/v1alpha1\",\"kind\":\"Canary\",\"metadata\":{\"name\":\"c\","
                + "\"namespace\":\"edge\"},\"spec\":" + bad.spec() + "}";
        Canary canary = Serialization.unmarshal(json, Canary.class);
        assertThat(canary.getSpec()).isInstanceOf(Unreadable.Spec.class);
        assertThat(((Unreadable.Spec) canary.getSpec()).problem()).isEqualTo(bad.problem());
        assertThat(Serialization.asJson(canary.getSpec())).isEqualTo(bad.spec());
        Canary clone = Serialization.clone(canary);
        assertThat(((Unreadable.Spec) clone.getSpec()).problem()).isEqualTo(bad.problem());
    }

    @Test
    void aReadableSpecIsReadAsUsual() {
        Canary canary = Serialization.unmarshal("{\"apiVersion\":\"canary.aegis.dev/v1alpha1\",\"kind\":\"Canary\","
                + "\"spec\":{\"targetRef\":{\"kind\":\"DaemonSet\",\"name\":\"river\"},\"steps\":[5,100]}}",
                Canary.class);
        assertThat(canary.getSpec()).isNotInstanceOf(Unreadable.Spec.class);
        assertThat(canary.getSpec().getSteps()).containsExactly(5, 100);
        assertThat(canary.getSpec().getTargetRef().getKind()).isEqualTo(WorkloadKind.DaemonSet);
    }

    static List<Bad> templates() {
        return List.of(
                new Bad("{\"args\":\"service\",\"query\":\"up\"}",
                        "spec.args must be a list, got the string \"service\""),
                new Bad("{\"query\":\"up\",\"prometheus\":{\"address\":[\"http://a\"]}}",
                        "spec.prometheus.address must be a string, got a list"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void aTemplateSpecThatCannotBeReadNamesTheField(Bad bad) {
        for (Class<? extends io.fabric8.kubernetes.client.CustomResource<AnalysisTemplateSpec, Void>> type : List.of(
                AnalysisTemplate.class, ClusterAnalysisTemplate.class)) {
            var t = Serialization.unmarshal("{\"apiVersion\":\"canary.aegis.dev/v1alpha1\",\"kind\":\""
                    + type.getSimpleName() + "\",\"metadata\":{\"name\":\"t\"},\"spec\":" + bad.spec() + "}", type);
            assertThat(t.getSpec()).isInstanceOf(Unreadable.Spec.class);
            assertThat(((Unreadable.Spec) t.getSpec()).problem()).isEqualTo(bad.problem());
            assertThat(Serialization.asJson(t.getSpec())).isEqualTo(bad.spec());
        }
    }
}
