package dev.aegis.canary.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/** The simulated workload controllers' writes the API server refuses are made again, as a real controller's are. */
@EnableKubernetesMockClient(crud = true)
class SimClusterTest {

    KubernetesMockServer server;
    KubernetesClient client;

    static final PodTemplateSpec TEMPLATE = new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "web")
            .endMetadata().withNewSpec().addNewContainer().withName("web").withImage("registry.invalid/web:2")
            .endContainer().endSpec().build();

    Pod ready(String name) {
        return client.pods().inNamespace("edge").withName(name).get();
    }

    @Test
    void aPodWhoseCreationWasRefusedIsCreatedAtTheNextTickWithTheReadinessItHasByThen() {
        SimCluster cluster = new SimCluster(client, image -> VersionBehaviour.healthy());
        server.expect().post().withPath("/api/v1/namespaces/edge/pods").andReturn(403, "{}").once(); // as a ResourceQuota refuses it
        SimPod pod = cluster.createPod("edge", "web", TEMPLATE, new OwnerReferenceBuilder().withApiVersion("apps/v1")
                .withKind("DaemonSet").withName("web").withUid("u-1").withController(true).build(), "node-1", "abc");
        assertThat(ready(pod.name)).as("refused").isNull();
        cluster.setReady(pod, true);

        cluster.retryWrites();
        Pod created = ready(pod.name);
        assertThat(created).as("created at the next tick").isNotNull();
        assertThat(created.getSpec().getNodeName()).isEqualTo("node-1");
        assertThat(created.getMetadata().getLabels()).containsEntry("app", "web");
        assertThat(created.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Ready");
            assertThat(c.getStatus()).isEqualTo("True");
        });

        cluster.deletePod(pod);
        cluster.retryWrites();
        assertThat(ready(pod.name)).as("deleted, and not made again").isNull();
    }

    @Test
    void aPodItsWorkloadLetGoBeforeItWasCreatedIsNotCreatedLater() {
        SimCluster cluster = new SimCluster(client, image -> VersionBehaviour.healthy());
        server.expect().post().withPath("/api/v1/namespaces/edge/pods").andReturn(403, "{}").once(); // as a ResourceQuota refuses it
        SimPod pod = cluster.createPod("edge", "web", TEMPLATE, new OwnerReferenceBuilder().withApiVersion("apps/v1")
                .withKind("DaemonSet").withName("web").withUid("u-1").withController(true).build(), "node-1", "abc");
        cluster.deletePod(pod);
        cluster.retryWrites();
        assertThat(client.pods().inNamespace("edge").list().getItems()).isEmpty();
    }
}
