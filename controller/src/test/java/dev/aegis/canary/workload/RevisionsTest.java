package dev.aegis.canary.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;

class RevisionsTest {

    static PodTemplateSpec template(String image, Map<String, String> labels) {
        return new PodTemplateSpecBuilder().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage(image).endContainer().endSpec().build();
    }

    @Test
    void theSameTemplateGivesTheSameRevisionWhateverTheLabelOrder() {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        assertThat(Revisions.of(template("app:1", ab))).isEqualTo(Revisions.of(template("app:1", ba)))
                .matches("[0-9a-f]{8}");
    }

    @Test
    void anyChangeGivesANewRevision() {
        assertThat(Revisions.of(template("app:1", Map.of("a", "1"))))
                .isNotEqualTo(Revisions.of(template("app:2", Map.of("a", "1"))))
                .isNotEqualTo(Revisions.of(template("app:1", Map.of("a", "2"))));
    }
}
