package dev.aegis.canary.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.api.AnalysisSpec;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.NotificationProvider;
import dev.aegis.canary.api.NotificationProviderSpec;
import dev.aegis.canary.api.ServiceSpec;
import dev.aegis.canary.api.TargetRef;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.WorkloadKind;

/** Builds the objects of one test in its own namespace, the way a user's Git repository would hold them. */
final class Fixtures {

    static final String IMAGE = "registry.example/podinfo:";
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    final KubernetesClient client;
    final String ns;

    Fixtures(KubernetesClient client, String prefix) {
        this.client = client;
        this.ns = prefix + "-" + NAMESPACES.incrementAndGet();
    }

    Deployment deployment(String name, String version, int replicas) {
        return client.resource(deploymentManifest(name, version, replicas)).create();
    }

    /** The Deployment as Git holds it (what Flux applies). */
    Deployment deploymentManifest(String name, String version, int replicas) {
        return new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withTemplate(podTemplate(name, version))
                .endSpec()
                .build();
    }

    /** Pods labelled app=name running the version's image. */
    static io.fabric8.kubernetes.api.model.PodTemplateSpec podTemplate(String name, String version) {
        return new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec()
                .withContainers(new ContainerBuilder().withName("app").withImage(IMAGE + version).build())
                .endSpec()
                .build();
    }

    /**
     * A DaemonSet of Git: one pod per edge node of this test's fleet (label fleet=namespace, since nodes are shared
     * by every test), replaced 25% of the nodes at a time.
     */
    DaemonSet daemonSet(String name, String version) {
        return daemonSet(name, version, "25%");
    }

    DaemonSet daemonSet(String name, String version, String maxUnavailable) {
        return client.resource(new DaemonSetBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec()
                .withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(maxUnavailable.endsWith("%")
                        ? new IntOrString(maxUnavailable)
                        : new IntOrString(Integer.parseInt(maxUnavailable)))
                .endRollingUpdate().endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec()
                .withNodeSelector(Map.of("role", "edge", "fleet", ns))
                .withContainers(new ContainerBuilder().withName("proxy").withImage(IMAGE + version).build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();
    }

    void setDaemonSetImage(String daemonSet, String version) {
        client.apps().daemonSets().inNamespace(ns).withName(daemonSet).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext
                        .of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON),
                imagePatch(version));
    }

    /**
     * Edits a DaemonSet as a user would, retrying on a conflict: the simulated DaemonSet controller writes its status
     * and template generation at any time.
     */
    DaemonSet editDaemonSet(String name, java.util.function.UnaryOperator<DaemonSet> edit) {
        for (int attempt = 1;; attempt++) {
            try {
                return client.apps().daemonSets().inNamespace(ns).withName(name).edit(edit);
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    DaemonSet daemonSetNow(String name) {
        return client.apps().daemonSets().inNamespace(ns).withName(name).get();
    }

    /** A Ready node; the simulator runs DaemonSet pods on it. Node names are unique per test. */
    Node node(String name, Map<String, String> labels) {
        return client.resource(new NodeBuilder()
                .withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                .build()).create();
    }

    /** What Git pushing a new version does to the target: its image changes (a patch, as Flux's apply is). */
    void setImage(String deployment, String version) {
        client.apps().deployments().inNamespace(ns).withName(deployment).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext
                        .of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON),
                imagePatch(version));
    }

    /** A StatefulSet as Git holds it, created. */
    io.fabric8.kubernetes.api.model.apps.StatefulSet statefulSet(String name, String version, int replicas) {
        return client.resource(new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withServiceName(name)
                .withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withTemplate(podTemplate(name, version))
                .endSpec()
                .build()).create();
    }

    /** A new image for a StatefulSet, as Git would write it. */
    void setStatefulSetImage(String name, String version) {
        client.apps().statefulSets().inNamespace(ns).withName(name).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext
                        .of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON),
                imagePatch(version));
    }

    /** Git's change of the first container's image, as a JSON patch. */
    static String imagePatch(String version) {
        return "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"" + IMAGE
                + version + "\"}]";
    }

    Deployment deploymentNow(String name) {
        return client.apps().deployments().inNamespace(ns).withName(name).get();
    }

    static String image(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    /** The templates shipped in analysis-templates/, applied as they are. */
    void applyShippedTemplates() {
        applyShippedTemplates(List.of("generic/request-success-rate.yaml", "generic/request-duration-p99.yaml"));
    }

    /** @param files paths under analysis-templates/ */
    void applyShippedTemplates(List<String> files) {
        for (String file : files) {
            try (InputStream in = Fixtures.class.getResourceAsStream("/analysis-templates/" + file)) {
                client.resource(Serialization.unmarshal(in, AnalysisTemplate.class)).inNamespace(ns).create();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    AnalysisTemplate template(String name, String query) {
        AnalysisTemplate t = new AnalysisTemplate();
        t.getMetadata().setName(name);
        t.getMetadata().setNamespace(ns);
        AnalysisTemplateSpec spec = new AnalysisTemplateSpec();
        spec.setQuery(query);
        t.setSpec(spec);
        return client.resource(t).create();
    }

    /**
     * A Canary with a Service, a 4s interval and the shipped checks: success rate at least 99%, p99 latency at most
     * 500 ms.
     */
    Canary canary(String name, String target, Consumer<CanarySpec> customize) {
        CanarySpec spec = new CanarySpec();
        spec.setTargetRef(new TargetRef(WorkloadKind.Deployment, target));
        ServiceSpec service = new ServiceSpec();
        service.setPort(80);
        service.setTargetPort(9898);
        spec.setService(service);
        AnalysisSpec analysis = new AnalysisSpec();
        analysis.setInterval("4s");
        analysis.setMetrics(List.of(
                new MetricSpec("success-rate", new TemplateRef("request-success-rate", null),
                        new ThresholdRange(99.0, null)),
                new MetricSpec("latency-p99", new TemplateRef("request-duration-p99", null),
                        new ThresholdRange(null, 500.0))));
        spec.setAnalysis(analysis);
        spec.setProgressDeadline("1m");
        customize.accept(spec);
        Canary canary = new Canary();
        canary.getMetadata().setName(name);
        canary.getMetadata().setNamespace(ns);
        canary.setSpec(spec);
        return client.resource(canary).create();
    }

    /** A NotificationProvider and its Secret, as a platform team would create them. */
    NotificationProvider provider(String name, NotificationProviderSpec.ProviderType type, Map<String, String> secret,
            Consumer<NotificationProviderSpec> customize) {
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName(name + "-secret").withNamespace(ns).endMetadata()
                // as the API server stores it: base64 under data
                .withData(secret.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
                        e -> java.util.Base64.getEncoder().encodeToString(e.getValue().getBytes(
                                java.nio.charset.StandardCharsets.UTF_8)))))
                .build()).create();
        NotificationProviderSpec spec = new NotificationProviderSpec();
        spec.setType(type);
        spec.setSecretRef(new dev.aegis.canary.api.LocalObjectRef(name + "-secret"));
        customize.accept(spec);
        NotificationProvider p = new NotificationProvider();
        p.getMetadata().setName(name);
        p.getMetadata().setNamespace(ns);
        p.setSpec(spec);
        return client.resource(p).create();
    }

    /** What {@code kubectl annotate canary NAME canary.aegis.dev/request=ACTION canary.aegis.dev/requested-by=WHO} does. */
    void request(String canary, String action, String by) {
        client.resources(Canary.class).inNamespace(ns).withName(canary).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext
                        .of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(
                        dev.aegis.canary.rollout.ManualRequest.ANNOTATION, action,
                        dev.aegis.canary.rollout.ManualRequest.BY_ANNOTATION, by)))));
    }

    Canary canaryNow(String name) {
        return client.resources(Canary.class).inNamespace(ns).withName(name).get();
    }

    /** The Events recorded on a Canary, oldest first. */
    List<Event> events(String canary) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> canary.equals(e.getInvolvedObject().getName())
                        && "Canary".equals(e.getInvolvedObject().getKind()))
                .sorted(Comparator.comparing(e -> e.getMetadata().getCreationTimestamp()))
                .toList();
    }
}
