package dev.aegis.canary.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;

import dev.aegis.canary.routing.OrdinalMoves;

class StatefulSetWorkloadsTest {

    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void onDeleteIsRefusedNamingTheField() {
        StatefulSet sts = sts(4, null, null);
        sts.getSpec().getUpdateStrategy().setType("OnDelete");
        assertThat(StatefulSetWorkloads.strategyProblem(sts)).isEqualTo("spec.updateStrategy.type of StatefulSet "
                + "'db' is OnDelete; a canary needs RollingUpdate (the controller moves pods with its partition)");
    }

    @Test
    void aPartitionAnotherFieldManagerSetIsRefusedAndTheControllersOwnIsNot() {
        StatefulSet sts = sts(4, 4, null);
        sts.getMetadata().setManagedFields(List.of(entry("kustomize-controller", Map.of("f:spec", Map.of(
                "f:replicas", Map.of(), "f:template", Map.of()))),
                entry(Labels.FIELD_MANAGER, partition())));
        assertThat(StatefulSetWorkloads.strategyProblem(sts)).isNull();

        sts.getMetadata().setManagedFields(List.of(entry("kustomize-controller", partition())));
        assertThat(StatefulSetWorkloads.strategyProblem(sts)).isEqualTo("spec.updateStrategy.rollingUpdate.partition "
                + "of StatefulSet 'db' is set by kustomize-controller (Git); the controller owns it while a Canary "
                + "targets the StatefulSet: remove it from Git");
    }

    @Test
    void aPartitionOnlyRecordedForWhoCreatedTheStatefulSetIsNotGits() {
        // kubectl create, Helm 3, a client's create: an Update, which the API server records as owning every field
        // it defaulted, the partition's 0 included; nothing will send it again
        StatefulSet sts = sts(4, 0, null);
        ManagedFieldsEntry created = entry("helm", partition());
        created.setOperation("Update");
        sts.getMetadata().setManagedFields(List.of(created));
        assertThat(StatefulSetWorkloads.strategyProblem(sts)).isNull();

        // kubectl's client-side apply sends again what its last-applied configuration holds
        sts.getMetadata().setManagedFields(List.of(entry("kubectl-client-side-apply", partition())));
        sts.getMetadata().getManagedFields().get(0).setOperation("Update");
        sts.getMetadata().setAnnotations(Map.of(StatefulSetWorkloads.LAST_APPLIED,
                "{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":{\"partition\":0}}}}"));
        assertThat(StatefulSetWorkloads.strategyProblem(sts)).isEqualTo("spec.updateStrategy.rollingUpdate.partition "
                + "of StatefulSet 'db' is set by kubectl's client-side apply "
                + "(kubectl.kubernetes.io/last-applied-configuration) (Git); the controller owns it while a Canary "
                + "targets the StatefulSet: remove it from Git");
        sts.getMetadata().setAnnotations(Map.of(StatefulSetWorkloads.LAST_APPLIED, "{\"spec\":{\"replicas\":4}}"));
        assertThat(StatefulSetWorkloads.strategyProblem(sts)).as("applied without a partition").isNull();
    }

    @Test
    void settledMeansOneRevisionOnEveryReadyPodSeenByTheStatefulSetController() {
        assertThat(StatefulSetWorkloads.isSettled(sts(3, 0, status("db-1", "db-1", 3, 3, 3, 2L)))).isTrue();
        assertThat(StatefulSetWorkloads.isSettled(sts(3, 0, status("db-1", "db-2", 3, 3, 3, 2L)))).isFalse();
        assertThat(StatefulSetWorkloads.isSettled(sts(3, 0, status("db-1", "db-1", 3, 3, 2, 2L)))).isFalse();
        assertThat(StatefulSetWorkloads.isSettled(sts(3, 0, status("db-1", "db-1", 3, 3, 3, 1L)))).as("not observed")
                .isFalse();
    }

    @Test
    void podsAreReadByOrdinalWithTheirRevisionAndADeletedOneCountsAsTerminatingUntilTheCacheSeesItGo() {
        StatefulSet sts = sts(3, 2, status("db-1", "db-2", 3, 1, 3, 2L));
        List<Pod> pods = List.of(pod("db-0", "u0", "db-1"), pod("db-1", "u1", "db-1"), pod("db-2", "u2", "db-2"),
                pod("other-0", "u9", "x"));
        StatefulSetWorkloads ops = new StatefulSetWorkloads(null) {

            @Override
            public void deletePod(StatefulSet s, int ordinal, String uid) {
                remember(s, ordinal, uid);
            }
        };
        OrdinalMoves.World world = ops.world(sts, pods, NOW);
        assertThat(world.pods()).extracting(OrdinalMoves.PodState::ordinal).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(world.partition()).isEqualTo(2);
        assertThat(world.pods()).filteredOn(p -> p.ordinal() == 2).singleElement()
                .satisfies(p -> assertThat(p.revision()).isEqualTo("db-2"));

        ops.deletePod(sts, 2, "u2");
        assertThat(ops.world(sts, pods, NOW).pods()).filteredOn(p -> p.ordinal() == 2).singleElement()
                .satisfies(p -> assertThat(p.terminating()).isTrue());
        // the cache shows the new pod: the deletion is seen, nothing is held against it
        List<Pod> replaced = List.of(pods.get(0), pods.get(1), pod("db-2", "u2b", "db-1"));
        assertThat(ops.world(sts, replaced, NOW).pods()).noneMatch(OrdinalMoves.PodState::terminating);
        assertThat(ops.world(sts, pods, NOW).pods()).as("forgotten once seen").noneMatch(
                OrdinalMoves.PodState::terminating);

        // another StatefulSet whose name starts with this one's keeps its own
        StatefulSet cache = sts(1, 1, status("c-1", "c-2", 1, 0, 1, 2L));
        cache.getMetadata().setName("db-cache");
        List<Pod> cachePods = List.of(pod("db-cache-0", "c0", "c-2"));
        ops.deletePod(cache, 0, "c0");
        ops.world(sts, replaced, NOW);
        assertThat(ops.world(cache, cachePods, NOW).pods()).singleElement()
                .satisfies(p -> assertThat(p.terminating()).isTrue());
    }

    static Map<String, Object> partition() {
        return Map.of("f:spec", Map.of("f:updateStrategy", Map.of("f:rollingUpdate", Map.of("f:partition",
                Map.of()))));
    }

    static io.fabric8.kubernetes.api.model.ManagedFieldsEntry entry(String manager, Map<String, Object> fields) {
        FieldsV1 v1 = new FieldsV1();
        fields.forEach(v1::setAdditionalProperty);
        return new ManagedFieldsEntryBuilder().withManager(manager).withOperation("Apply").withFieldsV1(v1).build();
    }

    static io.fabric8.kubernetes.api.model.apps.StatefulSetStatus status(String current, String update, int replicas,
            int updated, int ready, long observed) {
        return new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withCurrentRevision(current)
                .withUpdateRevision(update).withReplicas(replicas).withUpdatedReplicas(updated)
                .withReadyReplicas(ready).withObservedGeneration(observed).build();
    }

    static StatefulSet sts(int replicas, Integer partition,
            io.fabric8.kubernetes.api.model.apps.StatefulSetStatus status) {
        return new StatefulSetBuilder().withNewMetadata().withName("db").withNamespace("data").withGeneration(2L)
                .endMetadata().withNewSpec().withReplicas(replicas).withNewUpdateStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withPartition(partition).endRollingUpdate().endUpdateStrategy().endSpec()
                .withStatus(status).build();
    }

    static Pod pod(String name, String uid, String revision) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("data").withUid(uid)
                .addToLabels(StatefulSetWorkloads.POD_REVISION, revision).endMetadata().withNewStatus()
                .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime("2026-12-06T11:00:00Z")
                .endCondition().endStatus().build();
    }
}
