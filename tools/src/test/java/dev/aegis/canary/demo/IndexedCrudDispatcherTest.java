package dev.aegis.canary.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Dispatcher;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;

/**
 * The indexed store answers as fabric8's own: the same requests, made to both, see the same objects, in the same
 * order, found or not found alike; and the index keeps up with every kind of write.
 */
class IndexedCrudDispatcherTest {

    @Test
    void answersAsTheOriginalDoes() {
        IndexedCrudDispatcher indexed = new IndexedCrudDispatcher();
        List<String> ours = exercise(indexed);
        List<String> theirs = exercise(new KubernetesCrudDispatcher());

        assertThat(ours).hasSize(theirs.size()).containsExactlyElementsOf(theirs);
        assertThat(indexed.indexing()).as("every stored key was worked out as the original stored it").isTrue();
        // the transcript is about something: found objects, misses, writes seen, lists in the store's order (where
        // an object written moves to the end)
        assertThat(theirs).contains("get configmap ns-b/cm-3: ns-b/cm-3 {app=cm0, tier=web} {n=3}",
                "get configmap ns-b/missing: none", "get configmap ns-b/cm-3 after delete: none",
                "list configmaps -l app=cm2: [ns-a/cm-2, ns-a/cm-5, ns-b/cm-2, ns-b/cm-5, ns-c/cm-5, ns-a/cm-1, "
                        + "ns-c/cm-2]",
                "get canary ns-a/podinfo: Progressing weight 10");
    }

    /** Requests of every kind the controller and the simulator make; what each one saw. */
    private static List<String> exercise(Dispatcher dispatcher) {
        KubernetesMockServer server = EmbeddedApiServer.serve(dispatcher);
        List<String> seen = new ArrayList<>();
        try (KubernetesClient client = server.createClient()) {
            try (InputStream in = Canary.class.getResourceAsStream("/crds/canaries.canary.aegis.dev-v1.yml")) {
                client.resource(Serialization.unmarshal(in, CustomResourceDefinition.class)).create();
            }
            for (String ns : List.of("ns-a", "ns-b", "ns-c")) {
                for (int i = 0; i < 6; i++) {
                    client.resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + i).withNamespace(ns)
                            .addToLabels("app", "cm" + i % 3).addToLabels("tier", "web").endMetadata()
                            .addToData("n", Integer.toString(i)).build()).create();
                }
            }
            client.resource(new DeploymentBuilder().withNewMetadata().withName("cm-1").withNamespace("ns-a")
                    .addToLabels("app", "cm1").endMetadata().withNewSpec().withReplicas(2).endSpec().build()).create();
            for (int i = 0; i < 4; i++) {
                client.resource(new NodeBuilder().withNewMetadata().withName("node-" + i)
                        .addToLabels("zone", "z" + i % 2).endMetadata().build()).create();
            }

            Function<HasMetadata, String> show = IndexedCrudDispatcherTest::show;
            seen.add("get configmap ns-b/cm-3: " + orNone(client.configMaps().inNamespace("ns-b").withName("cm-3")
                    .get(), show));
            seen.add("get configmap ns-b/missing: " + orNone(client.configMaps().inNamespace("ns-b")
                    .withName("missing").get(), show));
            seen.add("get deployment ns-a/cm-1: " + orNone(client.apps().deployments().inNamespace("ns-a")
                    .withName("cm-1").get(), show));
            seen.add("get deployment ns-b/cm-1: " + orNone(client.apps().deployments().inNamespace("ns-b")
                    .withName("cm-1").get(), show));
            seen.add("get node node-2: " + orNone(client.nodes().withName("node-2").get(), show));
            seen.add("list configmaps in ns-a: " + names(client.configMaps().inNamespace("ns-a").list().getItems()));
            seen.add("list configmaps: " + names(client.configMaps().inAnyNamespace().list().getItems()));
            seen.add("list configmaps in ns-c -l app=cm1: " + names(client.configMaps().inNamespace("ns-c")
                    .withLabel("app", "cm1").list().getItems()));
            seen.add("list nodes -l zone=z1: " + names(client.nodes().withLabel("zone", "z1").list().getItems()));
            seen.add("list deployments in ns-c: " + names(client.apps().deployments().inNamespace("ns-c").list()
                    .getItems()));

            // a patch that moves an object to another label, an update, a delete
            client.configMaps().inNamespace("ns-a").withName("cm-1")
                    .edit(cm -> new ConfigMapBuilder(cm).editMetadata().addToLabels("app", "cm2").endMetadata()
                            .build());
            ConfigMap cm2 = client.configMaps().inNamespace("ns-c").withName("cm-2").get();
            cm2.getData().put("n", "22");
            client.resource(cm2).update();
            client.configMaps().inNamespace("ns-b").withName("cm-3").delete();
            seen.add("list configmaps -l app=cm2: " + names(client.configMaps().inAnyNamespace()
                    .withLabel("app", "cm2").list().getItems()));
            seen.add("get configmap ns-c/cm-2: " + orNone(client.configMaps().inNamespace("ns-c").withName("cm-2")
                    .get(), show));
            seen.add("get configmap ns-b/cm-3 after delete: " + orNone(client.configMaps().inNamespace("ns-b")
                    .withName("cm-3").get(), show));
            seen.add("list configmaps in ns-b: " + names(client.configMaps().inNamespace("ns-b").list().getItems()));

            // a custom resource and its status subresource; a lease as leader election writes it
            Canary canary = new Canary();
            canary.getMetadata().setName("podinfo");
            canary.getMetadata().setNamespace("ns-a");
            canary.setSpec(new CanarySpec());
            client.resource(canary).create();
            CanaryStatus status = new CanaryStatus();
            status.setPhase(Phase.Progressing);
            status.setWeight(10);
            Canary withStatus = client.resources(Canary.class).inNamespace("ns-a").withName("podinfo").get();
            withStatus.setStatus(status);
            client.resource(withStatus).patchStatus();
            Canary now = client.resources(Canary.class).inNamespace("ns-a").withName("podinfo").get();
            seen.add("get canary ns-a/podinfo: " + now.getStatus().getPhase() + " weight "
                    + now.getStatus().getWeight());
            seen.add("list canaries: " + names(client.resources(Canary.class).inAnyNamespace().list().getItems()));
            client.resource(new LeaseBuilder().withNewMetadata().withName("aegis-canary").withNamespace("ns-a")
                    .endMetadata().withNewSpec().withHolderIdentity("a").endSpec().build()).create();
            client.leases().inNamespace("ns-a").withName("aegis-canary")
                    .edit(l -> new LeaseBuilder(l).editSpec().withHolderIdentity("b").endSpec().build());
            seen.add("get lease: " + client.leases().inNamespace("ns-a").withName("aegis-canary").get().getSpec()
                    .getHolderIdentity());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            server.destroy();
        }
        return seen;
    }

    private static String show(HasMetadata o) {
        Object data = o instanceof ConfigMap cm ? cm.getData() : "";
        Map<String, String> labels = o.getMetadata().getLabels();
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName() + " " + labels + " " + data;
    }

    private static <T extends HasMetadata> String orNone(T o, Function<HasMetadata, String> show) {
        return o == null ? "none" : show.apply(o).replace("null/", "/");
    }

    private static List<String> names(List<? extends HasMetadata> items) {
        return items.stream().map(o -> (o.getMetadata().getNamespace() == null
                ? ""
                : o.getMetadata()
                        .getNamespace() + "/")
                + o.getMetadata().getName()).toList();
    }
}
