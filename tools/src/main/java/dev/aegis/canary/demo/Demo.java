package dev.aegis.canary.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import dev.aegis.canary.api.AnalysisSpec;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.LocalObjectRef;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.NotificationProvider;
import dev.aegis.canary.api.NotificationProviderSpec;
import dev.aegis.canary.api.NotificationRef;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.ServiceSpec;
import dev.aegis.canary.api.TargetRef;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.TrafficSpec;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.rollout.MetricText;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * The demo's story, told against the running controller. A Deployment gets a Canary: a healthy version is promoted
 * through every step, then a version that fails 8% of its requests is rolled back at the first step. Then a
 * DaemonSet on 120 edge nodes in three zones does the same, node by node.
 */
@ApplicationScoped
public class Demo {

    static final String APP = "podinfo";
    static final String IMAGE = "ghcr.io/stefanprodan/podinfo:";
    static final int REPLICAS = 10;
    static final Duration INTERVAL = Duration.ofSeconds(8);
    static final Duration RELEASE_TIMEOUT = Duration.ofMinutes(3);
    static final String EDGE = "edge";
    static final String PROXY = "river-proxy";
    static final String PROXY_IMAGE = "registry.example/river-proxy:";
    static final int EDGE_NODES = 120;
    static final String ZONE = "topology.kubernetes.io/zone";
    static final List<String> ZONES = List.of("eu-west-1a", "eu-west-1b", "eu-west-1c");

    private final PrintStream out = System.out;
    private long startNanos;
    private ChatReceiver chat;

    public int run(DemoEnvironment env) {
        startNanos = System.nanoTime();
        say("controller running against the embedded Kubernetes API; Prometheus at " + env.prometheus().url());
        List<Release> releases = new ArrayList<>();
        boolean deploymentOk = deploymentStory(env, releases);
        boolean daemonSetOk = daemonSetStory(env, releases);
        out.println();
        out.println("Summary");
        out.println("-------");
        for (Release r : releases) {
            out.printf("  %-34s %-11s after %5.1fs   %s%n", r.name, r.phase, r.seconds, r.message);
        }
        out.printf("  process RSS (controller, embedded API server and simulator): %s; heap after GC: %s; total time "
                + "%.0fs%n", rss(), heapAfterGc(), elapsed());
        if (chat != null) {
            chat.close();
        }
        boolean ok = deploymentOk && daemonSetOk;
        out.println(ok
                ? "demo finished: healthy versions were promoted and bad ones rolled back, pod by pod and node by node"
                : "demo FAILED: the outcomes above are not the expected Ready, Succeeded, RolledBack");
        return ok ? 0 : 1;
    }

    /** A Deployment of 10 pods behind a Service: replica routing. */
    private boolean deploymentStory(DemoEnvironment env, List<Release> releases) {
        KubernetesClient k8s = env.client();
        String ns = DemoEnvironment.NAMESPACE;
        env.fleet().setBehaviour(IMAGE + "6.5.0", VersionBehaviour.healthy());
        env.fleet().setBehaviour(IMAGE + "6.5.1", VersionBehaviour.healthy());
        env.fleet().setBehaviour(IMAGE + "6.5.2", VersionBehaviour.healthy().withErrorRatio(0.08));
        applyTemplates(k8s, ns);
        k8s.resource(deployment(ns, "6.5.0")).create();
        ChatReceiver slack;
        try {
            slack = new ChatReceiver(this::say);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        chat = slack;
        k8s.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("demo-slack")
                .withNamespace(ns).endMetadata().withStringData(Map.of("address", slack.address())).build()).create();
        NotificationProvider provider = new NotificationProvider();
        provider.getMetadata().setName("demo-slack");
        provider.getMetadata().setNamespace(ns);
        NotificationProviderSpec providerSpec = new NotificationProviderSpec();
        providerSpec.setType(NotificationProviderSpec.ProviderType.slack);
        providerSpec.setSecretRef(new LocalObjectRef("demo-slack"));
        provider.setSpec(providerSpec);
        k8s.resource(provider).create();
        Canary withSlack = canary(ns, APP, new TargetRef(WorkloadKind.Deployment, APP), null);
        withSlack.getSpec().setNotifications(List.of(new NotificationRef("demo-slack", null)));
        k8s.resource(withSlack).create();
        out.println();
        say("== Deployment " + APP + ": " + REPLICAS + " pods of 6.5.0 behind Service " + APP
                + "; the canary's share is its share of the pods");
        say("steps 1% → 10% → 50% → 100%, a check every " + INTERVAL.toSeconds()
                + "s: success rate >= 99%, p99 latency <= 500 ms; every phase change goes to a local stand-in for "
                + "Slack");
        int first = releases.size();
        releases.add(await(k8s, ns, APP, APP + " first sight", List.of(Phase.Ready), null, s -> ""));
        setImage(k8s, ns, "6.5.1");
        releases.add(await(k8s, ns, APP, APP + " 6.5.1 (healthy)", List.of(Phase.Succeeded, Phase.RolledBack),
                Phase.Progressing, s -> ""));
        setImage(k8s, ns, "6.5.2");
        releases.add(await(k8s, ns, APP, APP + " 6.5.2 (8% errors)", List.of(Phase.Succeeded, Phase.RolledBack),
                Phase.Progressing, s -> ""));

        // The primary takes the pods back as its own become ready; give its last one a moment.
        long settle = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Deployment primary = k8s.apps().deployments().inNamespace(ns).withName(APP + "-primary").get();
        Deployment target = k8s.apps().deployments().inNamespace(ns).withName(APP).get();
        while ((available(primary) < REPLICAS || !Objects.equals(target.getSpec().getReplicas(), 0))
                && System.nanoTime() < settle) {
            pause(Duration.ofMillis(200));
            primary = k8s.apps().deployments().inNamespace(ns).withName(APP + "-primary").get();
            target = k8s.apps().deployments().inNamespace(ns).withName(APP).get();
        }
        String primaryImage = primary.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        say(String.format("%s serves %s with %d/%d pods ready; the Git-owned %s runs %d pods",
                primary.getMetadata().getName(), primaryImage, available(primary), REPLICAS, APP,
                target.getSpec().getReplicas()));
        return releases.get(first).phase == Phase.Ready && releases.get(first + 1).phase == Phase.Succeeded
                && releases.get(first + 2).phase == Phase.RolledBack && primaryImage.equals(IMAGE + "6.5.1")
                && Objects.equals(target.getSpec().getReplicas(), 0);
    }

    /** A DaemonSet on 120 edge nodes in 3 zones: the canary's share is its share of the nodes. */
    private boolean daemonSetStory(DemoEnvironment env, List<Release> releases) {
        KubernetesClient k8s = env.client();
        String ns = EDGE;
        env.fleet().setBehaviour(PROXY_IMAGE + "1.4.0", VersionBehaviour.healthy());
        env.fleet().setBehaviour(PROXY_IMAGE + "1.5.0", VersionBehaviour.healthy());
        env.fleet().setBehaviour(PROXY_IMAGE + "1.6.0", VersionBehaviour.healthy().withErrorRatio(0.05));
        for (int i = 1; i <= EDGE_NODES; i++) {
            k8s.resource(new NodeBuilder()
                    .withNewMetadata().withName(String.format("edge-%03d", i))
                    .withLabels(Map.of("role", "edge", ZONE, ZONES.get(i % ZONES.size()))).endMetadata()
                    .withNewSpec().endSpec()
                    .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                    .build()).create();
        }
        applyTemplates(k8s, ns);
        k8s.resource(daemonSet(ns, "1.4.0")).create();
        // A fleet that already serves, as when a team adopts the controller: then first sight moves it in batches.
        k8s.apps().daemonSets().inNamespace(ns).withName(PROXY).waitUntilCondition(d -> d != null
                && d.getStatus() != null && d.getStatus().getNumberReady() != null
                && d.getStatus().getNumberReady() == EDGE_NODES, 60, java.util.concurrent.TimeUnit.SECONDS);
        TrafficSpec traffic = new TrafficSpec();
        TrafficSpec.NodesTraffic nodes = new TrafficSpec.NodesTraffic();
        nodes.setSpreadBy(ZONE);
        traffic.setNodes(nodes);
        k8s.resource(canary(ns, PROXY, new TargetRef(WorkloadKind.DaemonSet, PROXY), traffic)).create();
        out.println();
        say("== DaemonSet " + PROXY + " on " + EDGE_NODES
                + " edge nodes in 3 zones: the canary's share is its share of "
                + "the nodes, spread over the zones; at most 10% of the nodes change at once (maxUnavailable)");
        int first = releases.size();
        Function<CanaryStatus, String> zones = s -> canaryZones(k8s, ns);
        releases.add(await(k8s, ns, PROXY, PROXY + " first sight", List.of(Phase.Ready), null, zones));
        setDaemonSetImage(k8s, ns, "1.5.0");
        releases.add(await(k8s, ns, PROXY, PROXY + " 1.5.0 (healthy)", List.of(Phase.Succeeded, Phase.RolledBack),
                Phase.Progressing, zones));
        setDaemonSetImage(k8s, ns, "1.6.0");
        releases.add(await(k8s, ns, PROXY, PROXY + " 1.6.0 (5% errors)", List.of(Phase.Succeeded,
                Phase.RolledBack), Phase.Progressing, zones));

        // Every node goes back to the primary within maxUnavailable; wait until the fleet is on one version.
        long settle = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Long> versions = Map.of();
        while (System.nanoTime() < settle) {
            versions = k8s.pods().inNamespace(ns).list().getItems().stream().collect(Collectors.groupingBy(
                    p -> p.getMetadata().getOwnerReferences().get(0).getName() + " "
                            + p.getSpec().getContainers().get(0).getImage(),
                    java.util.TreeMap::new, Collectors.counting()));
            if (versions.equals(Map.of(PROXY + "-primary " + PROXY_IMAGE + "1.5.0", (long) EDGE_NODES))
                    && canaryZones(k8s, ns).isEmpty()) {
                break;
            }
            pause(Duration.ofMillis(250));
        }
        say("pods on the fleet: " + versions);
        return releases.get(first).phase == Phase.Ready && releases.get(first + 1).phase == Phase.Succeeded
                && releases.get(first + 2).phase == Phase.RolledBack
                && versions.equals(Map.of(PROXY + "-primary " + PROXY_IMAGE + "1.5.0", (long) EDGE_NODES));
    }

    /** "eu-west-1a 4, eu-west-1b 4, eu-west-1c 4": where the canary nodes are. */
    private static String canaryZones(KubernetesClient k8s, String ns) {
        String label = "canary.aegis.dev/" + ns + "." + PROXY;
        Map<String, Long> byZone = k8s.nodes().withLabel(label, "canary").list().getItems().stream()
                .collect(Collectors.groupingBy(n -> n.getMetadata().getLabels().get(ZONE), java.util.TreeMap::new,
                        Collectors.counting()));
        return byZone.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private record Release(String name, Phase phase, double seconds, String message) {
    }

    /** Prints every change of the Canary's status until it reaches one of the phases. */
    private Release await(KubernetesClient k8s, String ns, String canary, String name, List<Phase> end,
            Phase mustPass, Function<CanaryStatus, String> extra) {
        out.println();
        say("release " + name);
        long start = System.nanoTime();
        long deadline = start + RELEASE_TIMEOUT.toNanos();
        String last = null;
        boolean passed = mustPass == null;
        while (System.nanoTime() < deadline) {
            Canary c = k8s.resources(Canary.class).inNamespace(ns).withName(canary).get();
            CanaryStatus s = c == null ? null : c.getStatus();
            if (s != null && s.getPhase() != null) {
                String where = s.getPhase() == Phase.Progressing ? extra.apply(s) : "";
                String line = describe(s) + (where.isEmpty() ? "" : "  [canary nodes: " + where + "]");
                if (!line.equals(last)) {
                    say(line);
                    last = line;
                }
                passed |= s.getPhase() == mustPass;
                if (passed && end.contains(s.getPhase())) {
                    return new Release(name, s.getPhase(), (System.nanoTime() - start) / 1e9, s.getMessage());
                }
            }
            pause(Duration.ofMillis(250));
        }
        return new Release(name, null, (System.nanoTime() - start) / 1e9, "timed out");
    }

    private static String describe(CanaryStatus s) {
        StringBuilder line = new StringBuilder(String.format("%-12s", s.getPhase()));
        if (s.getPhase() == Phase.Progressing && s.getWeight() != null) {
            line.append(String.format(" weight %3d%%", s.getWeight()));
        }
        if (s.getLastAnalysis() != null && !s.getLastAnalysis().isEmpty() && s.getPhase() != Phase.Ready) {
            line.append("  [").append(s.getLastAnalysis().stream().map(Demo::metric)
                    .collect(Collectors.joining(", "))).append(']');
        }
        return line.append("  ").append(s.getMessage()).toString();
    }

    private static String metric(MetricResult r) {
        return r.getMetric() + " " + (r.getValue() == null ? r.getResult() : MetricText.number(r.getValue()));
    }

    private static Deployment deployment(String ns, String version) {
        return new DeploymentBuilder()
                .withNewMetadata().withName(APP).withNamespace(ns).withLabels(Map.of("app", APP)).endMetadata()
                .withNewSpec()
                .withReplicas(REPLICAS)
                .withNewSelector().withMatchLabels(Map.of("app", APP)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(Map.of("app", APP)).endMetadata()
                .withNewSpec()
                .withContainers(new ContainerBuilder().withName(APP).withImage(IMAGE + version)
                        .withPorts(new ContainerPortBuilder().withName("http").withContainerPort(9898).build())
                        .build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static Canary canary(String ns, String name, TargetRef target, TrafficSpec traffic) {
        CanarySpec spec = new CanarySpec();
        spec.setTargetRef(target);
        spec.setTraffic(traffic);
        if (target.getKind() == WorkloadKind.Deployment) {
            ServiceSpec service = new ServiceSpec();
            service.setPort(80);
            service.setTargetPort(9898);
            spec.setService(service);
        }
        AnalysisSpec analysis = new AnalysisSpec();
        analysis.setInterval(INTERVAL.toSeconds() + "s");
        analysis.setMetrics(List.of(
                new MetricSpec("success-rate", new TemplateRef("request-success-rate", null), new ThresholdRange(99.0,
                        null)),
                new MetricSpec("latency-p99", new TemplateRef("request-duration-p99", null), new ThresholdRange(null,
                        500.0))));
        spec.setAnalysis(analysis);
        spec.setProgressDeadline("2m");
        Canary canary = new Canary();
        canary.getMetadata().setName(name);
        canary.getMetadata().setNamespace(ns);
        canary.setSpec(spec);
        return canary;
    }

    private static DaemonSet daemonSet(String ns, String version) {
        return new DaemonSetBuilder()
                .withNewMetadata().withName(PROXY).withNamespace(ns).withLabels(Map.of("app", PROXY)).endMetadata()
                .withNewSpec()
                .withNewSelector().withMatchLabels(Map.of("app", PROXY)).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString("10%")).endRollingUpdate().endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(Map.of("app", PROXY)).endMetadata()
                .withNewSpec()
                .withNodeSelector(Map.of("role", "edge"))
                .withHostNetwork(true)
                .withContainers(new ContainerBuilder().withName("proxy").withImage(PROXY_IMAGE + version)
                        .withPorts(new ContainerPortBuilder().withName("https").withContainerPort(443)
                                .withHostPort(443).build())
                        .build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private void setDaemonSetImage(KubernetesClient k8s, String ns, String version) {
        k8s.apps().daemonSets().inNamespace(ns).withName(PROXY).patch(PatchContext.of(PatchType.JSON),
                imagePatch(PROXY_IMAGE + version));
        say("Git pushed " + PROXY_IMAGE + version);
    }

    private static void applyTemplates(KubernetesClient k8s, String ns) {
        for (String template : List.of("request-success-rate.yaml", "request-duration-p99.yaml")) {
            k8s.resource(loadTemplate(template)).inNamespace(ns).create();
        }
    }

    /** What Git pushing a version does: the image changes, by a patch of that field (as Flux's apply is). */
    private void setImage(KubernetesClient k8s, String ns, String version) {
        k8s.apps().deployments().inNamespace(ns).withName(APP).patch(PatchContext.of(PatchType.JSON),
                imagePatch(IMAGE + version));
        say("Git pushed " + IMAGE + version);
    }

    private static String imagePatch(String image) {
        return "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"" + image
                + "\"}]";
    }

    private static AnalysisTemplate loadTemplate(String file) {
        try (InputStream in = Demo.class.getResourceAsStream("/analysis-templates/generic/" + file)) {
            if (in == null) {
                throw new IllegalStateException("analysis-templates/" + file + " is not on the classpath");
            }
            return io.fabric8.kubernetes.client.utils.Serialization.unmarshal(in, AnalysisTemplate.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int available(Deployment d) {
        return d.getStatus() == null || d.getStatus().getAvailableReplicas() == null
                ? 0
                : d.getStatus().getAvailableReplicas();
    }

    static String heapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return ((r.totalMemory() - r.freeMemory()) / (1024 * 1024)) + " MiB";
    }

    /** Resident memory of this process (the controller, and the simulator beside it), from /proc. */
    static String rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return (kb / 1024) + " MiB";
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return "unknown";
    }

    private void say(String line) {
        out.printf("[%6.1fs] %s%n", elapsed(), line);
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
