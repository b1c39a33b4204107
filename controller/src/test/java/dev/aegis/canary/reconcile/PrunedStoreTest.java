package dev.aegis.canary.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

class PrunedStoreTest {

    @Test
    void aStoreWithoutManagedFieldsKeepsTheWholeObjectButThem() {
        FieldsV1 fields = new FieldsV1();
        fields.setAdditionalProperty("f:spec", Map.of("f:replicas", Map.of()));
        Deployment applied = new DeploymentBuilder().withNewMetadata().withName("podinfo").withNamespace("apps")
                .withResourceVersion("42").withLabels(Map.of("app", "podinfo"))
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kustomize-controller")
                        .withOperation("Apply").withFieldsType("FieldsV1")
                        .withFieldsV1(fields).build())
                .endMetadata().withNewSpec().withReplicas(4).endSpec().build();
        PrunedStore<Deployment> store = PrunedStore.withoutManagedFields();
        store.put(store.getKey(applied), applied);

        Deployment stored = store.get("apps/podinfo");
        assertThat(stored.getMetadata().getManagedFields()).isNull();
        assertThat(stored.getMetadata().getResourceVersion()).isEqualTo("42");
        assertThat(stored.getMetadata().getLabels()).containsEntry("app", "podinfo");
        assertThat(stored.getSpec().getReplicas()).isEqualTo(4);
    }
}
