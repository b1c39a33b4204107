package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Every "CRD schema" row of docs/bad-input.md against the real API server, applied as Flux and users apply (kubectl
 * apply --server-side): refused, with the message the user sees naming the field (OpenAPI and CEL). Also what the
 * CRUD mock of the other tests cannot show: unknown fields pruned, status dropped on create, CEL rules left unchecked
 * while an OpenAPI error stands.
 */
class RealCrdSchemaIT {

    static ControlPlane plane;
    String namespace;
    Path cases;

    @BeforeAll
    static void start() {
        plane = ControlPlane.shared();
        Manifests.installCrds(plane);
    }

    @BeforeEach
    void namespace(TestInfo test) throws IOException {
        namespace = plane.newNamespace("schema");
        cases = Files.createDirectories(ControlPlane.ROOT.resolve("cases").resolve(test.getTestMethod().get()
                .getName()));
    }

    static final String TARGET = "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n";

    /** kubectl apply --server-side of a Canary with this spec (YAML lines indented by two). */
    Kubectl.Result applyCanary(String name, String spec) {
        return apply(name, """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: Canary
                metadata: {name: %s, namespace: %s}
                spec:
                %s""".formatted(name, namespace, spec));
    }

    Kubectl.Result apply(String name, String yaml) {
        return Kubectl.run(plane, "apply", "--server-side", "-f", write(name, yaml).toString());
    }

    Path write(String name, String yaml) {
        try {
            return Files.writeString(cases.resolve(name + ".yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void refused(Kubectl.Result result, String... lines) {
        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains(lines);
    }

    @Test
    void row4TargetKindOutsideTheEnum() {
        refused(applyCanary("kind", "  targetRef: {apiVersion: apps/v1, kind: ReplicaSet, name: podinfo}\n"),
                "The Canary \"kind\" is invalid",
                "spec.targetRef.kind: Unsupported value: \"ReplicaSet\": supported values: \"DaemonSet\", "
                        + "\"Deployment\", \"StatefulSet\"");
    }

    @Test
    void row5StepsOutOfOrderByCel() {
        refused(applyCanary("order", TARGET + "  steps: [1, 50, 10, 100]\n"),
                "The Canary \"order\" is invalid: spec.steps: Invalid value: steps must be strictly increasing");
    }

    @Test
    void row6StepsNotEndingAt100ByCel() {
        refused(applyCanary("last", TARGET + "  steps: [1, 10, 50]\n"),
                "The Canary \"last\" is invalid: spec.steps: Invalid value: the last step must be 100");
    }

    @Test
    void row7And8WeightsOutside1To100() {
        refused(applyCanary("zero", TARGET + "  steps: [0, 100]\n"),
                "spec.steps[0]: Invalid value: 0: spec.steps[0] in body should be greater than or equal to 1",
                "spec.steps: Invalid value: every step must be in 1..100");
        refused(applyCanary("big", TARGET + "  steps: [1, 101]\n"),
                "spec.steps[1]: Invalid value: 101: spec.steps[1] in body should be less than or equal to 100",
                "spec.steps: Invalid value: the last step must be 100");
    }

    @Test
    void row9TenThousandStepsAreTooMany() {
        String steps = IntStream.rangeClosed(1, 10_000).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        Kubectl.Result result = applyCanary("many", TARGET + "  steps: [" + steps + "]\n");
        // the real server also lists each of the 9,900 items over 100, one line each
        refused(result, "spec.steps: Too many: 10000: must have at most 100 items",
                "spec.steps[9999]: Invalid value: 10000: spec.steps[9999] in body should be less than or equal to 100");
    }

    @Test
    void row10StepsOfTheWrongTypeAreRefusedBeforeValidation() {
        // server-side apply cannot even build the typed patch: the message names the field, not the Canary
        refused(applyCanary("ten", TARGET + "  steps: ten\n"),
                "failed to create typed patch object", ".spec.steps: expected list, got &{ten}");
    }

    @Test
    void row11RouterOutsideTheEnum() {
        refused(applyCanary("router", TARGET + "  traffic: {router: istio}\n"),
                "spec.traffic.router: Unsupported value: \"istio\": supported values: \"gateway-api\", \"nginx\", "
                        + "\"nodes\", \"replicas\"");
    }

    @Test
    void row14IntervalNotADuration() {
        refused(applyCanary("interval", TARGET + "  analysis: {interval: 5 minutes}\n"),
                "spec.analysis.interval: Invalid value: \"5 minutes\": spec.analysis.interval in body should match "
                        + "'^([0-9]+(ms|s|m|h))+$'",
                // the CEL rule runs on the same value and fails to convert it
                "spec.analysis.interval: Invalid value: \"string\": type conversion error from 'string' to "
                        + "'google.protobuf.Duration' evaluating rule: must be at most 24h");
    }

    @Test
    void row15DurationsOverADayByCel() {
        refused(applyCanary("huge", TARGET + "  analysis: {interval: 10000h}\n"),
                "The Canary \"huge\" is invalid: spec.analysis.interval: Invalid value: \"10000h\": must be at most "
                        + "24h");
        refused(applyCanary("deadline", TARGET + "  progressDeadline: 10000h\n"),
                "The Canary \"deadline\" is invalid: spec.progressDeadline: Invalid value: \"10000h\": must be at "
                        + "most 24h");
    }

    @Test
    void row16LimitsAndBoundsOfTheWrongType() {
        refused(applyCanary("many", TARGET + "  analysis: {failureLimit: many}\n"),
                ".spec.analysis.failureLimit: expected numeric (int or float), got string");
        refused(applyCanary("high", TARGET
                + "  analysis: {metrics: [{name: m, templateRef: {name: t}, thresholdRange: {min: high}}]}\n"),
                ".spec.analysis.metrics[0].thresholdRange.min: expected numeric (int or float), got string");
    }

    @Test
    void row17MinOverMaxIsAlreadyRefusedByCel() {
        // docs/bad-input.md says "controller" only; the CRD's CEL rule refuses it first
        refused(applyCanary("minmax", TARGET
                + "  analysis: {metrics: [{name: m, templateRef: {name: t}, thresholdRange: {min: 99, max: 1}}]}\n"),
                "spec.analysis.metrics[0].thresholdRange: Invalid value: thresholdRange.min must not exceed max");
    }

    @Test
    void duplicateMetricNamesAndEmptyBoundsByCel() {
        refused(applyCanary("dup", TARGET + "  analysis: {metrics: ["
                + "{name: m, templateRef: {name: t}, thresholdRange: {min: 1}}, "
                + "{name: m, templateRef: {name: t}, thresholdRange: {min: 1}}]}\n"),
                "spec.analysis: Invalid value: metric names must be unique");
        refused(applyCanary("empty", TARGET
                + "  analysis: {metrics: [{name: m, templateRef: {name: t}, thresholdRange: {}}]}\n"),
                "spec.analysis.metrics[0].thresholdRange: Invalid value: thresholdRange needs min, max or both");
    }

    @Test
    void celRulesWaitUntilTheOpenApiErrorsAreFixed() {
        // an over-long port name and an empty thresholdRange: only the first is reported in this round
        Kubectl.Result result = applyCanary("rounds", TARGET + "  service: {port: 80, portName: a-very-long-name}\n"
                + "  analysis: {metrics: [{name: m, templateRef: {name: t}, thresholdRange: {}}]}\n");
        refused(result, "spec.service.portName: Too long: may not be more than 15 bytes",
                "some validation rules were not checked because the object was invalid");
        assertThat(result.output()).doesNotContain("thresholdRange needs min, max or both");
    }

    @Test
    void row19TemplatesWithoutQueryOrCounts() {
        refused(apply("empty", """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: AnalysisTemplate
                metadata: {name: empty, namespace: %s}
                spec: {args: [{name: service}]}
                """.formatted(namespace)),
                "The AnalysisTemplate \"empty\" is invalid: spec: Invalid value: a template has query (one value) "
                        + "or counts (requests and failed), not both");
        refused(apply("cluster-empty", """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: ClusterAnalysisTemplate
                metadata: {name: %s-empty}
                spec: {}
                """.formatted(namespace)), "is invalid: spec: Invalid value: a template has query");
    }

    @Test
    void row20TemplateArgsOfTheWrongType() {
        refused(apply("unreadable", """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: AnalysisTemplate
                metadata: {name: unreadable, namespace: %s}
                spec: {args: service, query: up}
                """.formatted(namespace)), ".spec.args: expected list, got &{service}");
    }

    @Test
    void row26ProvidersOfUnknownTypeOrWithoutSecret() {
        refused(apply("pagerduty", """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: NotificationProvider
                metadata: {name: pd, namespace: %s}
                spec: {type: pagerduty, secretRef: {name: s}}
                """.formatted(namespace)),
                "spec.type: Unsupported value: \"pagerduty\": supported values: \"discord\", \"msteams\", "
                        + "\"slack\", \"webhook\"");
        refused(apply("nosecret", """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: NotificationProvider
                metadata: {name: nosecret, namespace: %s}
                spec: {type: slack}
                """.formatted(namespace)),
                "The NotificationProvider \"nosecret\" is invalid: spec.secretRef: Required value");
    }

    @Test
    void theDesignsCanaryIsAccepted() {
        Kubectl.Result result = applyCanary("river-proxy", """
                  targetRef: {apiVersion: apps/v1, kind: DaemonSet, name: river-proxy}
                  traffic:
                    router: nodes
                    nodes: {spreadBy: topology.kubernetes.io/zone}
                  service: {port: 80, targetPort: 8080}
                  steps: [1, 10, 50, 100]
                  analysis:
                    interval: 1m
                    failureLimit: 0
                    metrics:
                      - name: success-rate
                        templateRef: {name: request-success-rate}
                        args: {service: river-proxy}
                        thresholdRange: {min: 99}
                      - name: latency-p99
                        templateRef: {name: request-duration-p99}
                        thresholdRange: {max: 500}
                  notifications:
                    - providerRef: {name: slack-ops}
                  progressDeadline: 10m
                  suspend: false
                """);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("canary.canary.aegis.dev/river-proxy serverside-applied");
    }

    @Test
    void unknownFieldsAreRefusedByKubectlAndPrunedByALenientClient() {
        String yaml = """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: Canary
                metadata: {name: unknown, namespace: %s}
                spec:
                  targetRef: {kind: Deployment, name: podinfo}
                  stepz: [1, 100]
                """.formatted(namespace);
        refused(apply("unknown-ssa", yaml), ".spec.stepz: field not declared in schema");
        refused(Kubectl.run(plane, "create", "-f", write("unknown-create", yaml).toString()),
                "strict decoding error: unknown field \"spec.stepz\"");

        // fabric8 (as the controller and Flux' older clients) sends no strict field validation: stored, pruned
        try (KubernetesClient client = plane.client()) {
            GenericKubernetesResource created = client.resource(Serialization.unmarshal(yaml,
                    GenericKubernetesResource.class)).create();
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) created.getAdditionalProperties().get("spec");
            assertThat(spec).containsKey("targetRef").doesNotContainKey("stepz");
        }
    }

    @Test
    void aStatusSentOnCreateIsDropped() {
        // the status subresource: only .../status writes it (what the controller does)
        try (KubernetesClient client = plane.client()) {
            GenericKubernetesResource created = client.resource(Serialization.unmarshal("""
                    apiVersion: canary.aegis.dev/v1alpha1
                    kind: Canary
                    metadata: {name: with-status, namespace: %s}
                    spec: {targetRef: {kind: Deployment, name: podinfo}}
                    status: {phase: Ready}
                    """.formatted(namespace), GenericKubernetesResource.class)).create();
            assertThat(created.getAdditionalProperties()).doesNotContainKey("status");
            assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
        }
    }
}
