package dev.aegis.canary.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The bad input the API server refuses before the controller sees it: the constraints of the committed CRDs in
 * deploy/crds (the test server does not apply them, so they are checked here as written). See docs/bad-input.md.
 */
class CrdSchemaTest {

    static JSONSchemaProps spec(String crd) throws IOException {
        CustomResourceDefinition d = Serialization.unmarshal(Files.readString(Path.of("..", "deploy", "crds",
                crd + ".canary.aegis.dev-v1.yml")), CustomResourceDefinition.class);
        return d.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }

    /** The schema at a dotted path; "[]" steps into a list's items. */
    static JSONSchemaProps at(JSONSchemaProps schema, String path) {
        for (String part : path.split("\\.")) {
            schema = part.equals("[]") ? schema.getItems().getSchema() : schema.getProperties().get(part);
        }
        return schema;
    }

    @Test
    void stepsAreAListOfAtMost100IntegersIn1To100StrictlyIncreasingEndingAt100() throws IOException {
        JSONSchemaProps steps = at(spec("canaries"), "steps");
        assertThat(steps.getType()).isEqualTo("array"); // steps: "ten"
        assertThat(steps.getMaxItems()).isEqualTo(100L); // 10,000 steps
        assertThat(steps.getItems().getSchema().getType()).isEqualTo("integer");
        assertThat(steps.getItems().getSchema().getMinimum()).isEqualTo(1.0); // weight 0
        assertThat(steps.getItems().getSchema().getMaximum()).isEqualTo(100.0); // weight 101
        assertThat(steps.getXKubernetesValidations()).extracting(ValidationRule::getMessage)
                .contains("steps must be strictly increasing", "the last step must be 100");
    }

    @Test
    void routerAndTargetKindAreEnumsAndTheTargetIsInApps() throws IOException {
        JSONSchemaProps spec = spec("canaries");
        assertThat(at(spec, "traffic.router").getEnum()).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("replicas", "nodes", "gateway-api", "nginx");
        assertThat(at(spec, "targetRef.kind").getEnum()).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("Deployment", "DaemonSet", "StatefulSet");
        assertThat(at(spec, "targetRef.apiVersion").getPattern()).isEqualTo("^apps/v1$");
        assertThat(at(spec, "targetRef").getRequired()).containsExactlyInAnyOrder("kind", "name");
        assertThat(at(spec, "targetRef.namespace").getPattern()).isEqualTo(Schema.NAME);
    }

    @Test
    void durationsHaveTheirFormAndAreAtMostADay() throws IOException {
        JSONSchemaProps spec = spec("canaries");
        for (String field : new String[]{"analysis.interval", "progressDeadline"}) {
            JSONSchemaProps d = at(spec, field);
            assertThat(d.getPattern()).as(field).isEqualTo(Schema.DURATION); // "5 minutes"
            assertThat(d.getXKubernetesValidations()).as(field).singleElement().satisfies(r -> {
                assertThat(r.getRule()).isEqualTo("duration(self) <= duration('24h')"); // 10000h
                assertThat(r.getMessage()).isEqualTo("must be at most 24h");
            });
        }
    }

    @Test
    void limitsAndMetricsAreTyped() throws IOException {
        JSONSchemaProps analysis = at(spec("canaries"), "analysis");
        assertThat(at(analysis, "failureLimit").getType()).isEqualTo("integer");
        assertThat(at(analysis, "failureLimit").getMinimum()).isEqualTo(0.0);
        assertThat(at(analysis, "metrics").getMaxItems()).isEqualTo(20L);
        assertThat(at(analysis, "metrics.[].thresholdRange.min").getType()).isEqualTo("number");
        assertThat(at(analysis, "metrics.[]").getRequired()).containsExactlyInAnyOrder("name", "templateRef");
        assertThat(analysis.getXKubernetesValidations()).extracting(ValidationRule::getMessage)
                .contains("metric names must be unique");
    }

    @Test
    void templatesAreTypedAndHaveAQueryOrCounts() throws IOException {
        for (String crd : new String[]{"analysistemplates", "clusteranalysistemplates"}) {
            JSONSchemaProps spec = spec(crd);
            assertThat(at(spec, "args").getType()).as(crd).isEqualTo("array"); // args: "service"
            assertThat(at(spec, "args.[].name").getPattern()).as(crd).isEqualTo("^[a-zA-Z_][a-zA-Z0-9_]*$");
            assertThat(at(spec, "query").getMaxLength()).as(crd).isEqualTo(10000L);
            assertThat(spec.getXKubernetesValidations()).as(crd).extracting(ValidationRule::getRule)
                    .contains("has(self.query) != has(self.counts)");
        }
    }

    @Test
    void aNotificationProviderHasAKnownTypeAndASecret() throws IOException {
        JSONSchemaProps spec = spec("notificationproviders");
        assertThat(at(spec, "type").getEnum()).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("slack", "webhook", "msteams", "discord"); // type: pagerduty
        assertThat(spec.getRequired()).containsExactlyInAnyOrder("type", "secretRef");
    }
}
