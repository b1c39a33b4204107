package dev.aegis.canary.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

import dev.aegis.canary.workload.StatefulSetWorkloads;

/**
 * The embedded API server applies as a real one does for what the controller applies: its StatefulSet fields set,
 * given up when left out, and refused on a stale resourceVersion; what Git wrote stays.
 */
class ServerSideApplyTest {

    @Test
    void theControllersFieldsAreSetThenGivenUpAndAStaleVersionIsRefused() {
        KubernetesMockServer server = EmbeddedApiServer.serve(new IndexedCrudDispatcher());
        try (KubernetesClient client = server.createClient()) {
            StatefulSet git = client.resource(new StatefulSetBuilder().withNewMetadata().withName("db")
                    .withNamespace("data").addToAnnotations("team", "storage").endMetadata().withNewSpec()
                    .withReplicas(3).withNewUpdateStrategy().withType("RollingUpdate").endUpdateStrategy().endSpec()
                    .build()).create();
            StatefulSetWorkloads ops = new StatefulSetWorkloads(client);

            ops.apply(git, 3, "rev-1", "db=registry/db:1", true);
            StatefulSet held = read(client);
            assertThat(held.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).isEqualTo(3);
            assertThat(held.getMetadata().getAnnotations()).containsEntry("canary.aegis.dev/revision", "rev-1")
                    .containsEntry("canary.aegis.dev/images", "db=registry/db:1").containsEntry("team", "storage");

            assertThatThrownBy(() -> ops.apply(git, 0, "rev-2", null, true)).as("applied on the version read first")
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode())
                            .isEqualTo(409));
            assertThat(read(client).getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).isEqualTo(3);

            ops.release(read(client));
            StatefulSet released = read(client);
            assertThat(released.getSpec().getUpdateStrategy().getRollingUpdate() == null
                    || released.getSpec().getUpdateStrategy().getRollingUpdate().getPartition() == null)
                    .as("partition given up: %s", released.getSpec().getUpdateStrategy()).isTrue();
            assertThat(released.getMetadata().getAnnotations()).doesNotContainKeys("canary.aegis.dev/revision",
                    "canary.aegis.dev/images").containsEntry("team", "storage");
            assertThat(released.getSpec().getReplicas()).isEqualTo(3);
        } finally {
            server.destroy();
        }
    }

    private static StatefulSet read(KubernetesClient client) {
        return client.apps().statefulSets().inNamespace("data").withName("db").get();
    }
}
