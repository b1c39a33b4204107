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
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.AnalysisSpec;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.ServiceSpec;
import dev.aegis.canary.api.TargetRef;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.api.WorkloadKind;
import dev.aegis.canary.rollout.MetricText;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * The demo's story, told against the running controller: a Deployment gets a Canary, a healthy version is promoted
 * through every step, then a version that fails 8% of its requests is rolled back at the first step.
 */
@ApplicationScoped
public class Demo {

    static final String APP = "podinfo";
    static final String IMAGE = "ghcr.io/stefanprodan/podinfo:";
    static final int REPLICAS = 10;
    static final Duration INTERVAL = Duration.ofSeconds(8);
    static final Duration RELEASE_TIMEOUT = Duration.ofMinutes(3);

    private final PrintStream out = System.out;
    private long startNanos;

    public int run(DemoEnvironment env) {
        startNanos = System.nanoTime();
        KubernetesClient k8s = env.client();
        String ns = DemoEnvironment.NAMESPACE;
        say("controller running against the embedded Kubernetes API; Prometheus at " + env.prometheus().url());
        env.fleet().setBehaviour(IMAGE + "6.5.0", VersionBehaviour.healthy());
        env.fleet().setBehaviour(IMAGE + "6.5.1", VersionBehaviour.healthy());
        env.fleet().setBehaviour(IMAGE + "6.5.2", VersionBehaviour.healthy().withErrorRatio(0.08));

        for (String template : List.of("request-success-rate.yaml", "request-duration-p99.yaml")) {
            k8s.resource(loadTemplate(template)).inNamespace(ns).create();
        }
        k8s.resource(deployment(ns, "6.5.0")).create();
        k8s.resource(canary(ns)).create();
        say("applied Deployment " + APP + " (" + REPLICAS + " replicas of 6.5.0), the AnalysisTemplates "
                + "request-success-rate and request-duration-p99, and Canary " + APP);
        say("steps 1% → 10% → 50% → 100%, a check every " + INTERVAL.toSeconds()
                + "s: success rate >= 99%, p99 latency <= 500 ms");
        Release init = await(k8s, ns, "initializing", List.of(Phase.Ready), null);

        List<Release> releases = new ArrayList<>();
        releases.add(init);
        setImage(k8s, ns, "6.5.1");
        releases.add(await(k8s, ns, "6.5.1 (healthy)", List.of(Phase.Succeeded, Phase.RolledBack), Phase.Progressing));
        setImage(k8s, ns, "6.5.2");
        releases.add(await(k8s, ns, "6.5.2 (8% errors)", List.of(Phase.Succeeded, Phase.RolledBack),
                Phase.Progressing));

        // The rollback routed everything to the primary at once; give its last pod a moment to be ready.
        long settle = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Deployment primary = k8s.apps().deployments().inNamespace(ns).withName(APP + "-primary").get();
        while (available(primary) < REPLICAS && System.nanoTime() < settle) {
            pause(Duration.ofMillis(200));
            primary = k8s.apps().deployments().inNamespace(ns).withName(APP + "-primary").get();
        }
        Deployment target = k8s.apps().deployments().inNamespace(ns).withName(APP).get();
        String primaryImage = primary.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        out.println();
        out.println("Summary");
        out.println("-------");
        for (Release r : releases) {
            out.printf("  %-20s %-11s after %5.1fs   %s%n", r.name, r.phase, r.seconds, r.message);
        }
        out.printf("  primary %s serves %s with %d/%d pods ready; the Git-owned %s runs %d pods%n",
                primary.getMetadata().getName(), primaryImage, available(primary), REPLICAS, APP,
                target.getSpec().getReplicas());
        out.printf("  process RSS (controller, embedded API server and simulator): %s; heap after GC: %s; total time "
                + "%.0fs%n", rss(), heapAfterGc(), elapsed());
        boolean ok = releases.get(0).phase == Phase.Ready && releases.get(1).phase == Phase.Succeeded
                && releases.get(2).phase == Phase.RolledBack && primaryImage.equals(IMAGE + "6.5.1")
                && Objects.equals(target.getSpec().getReplicas(), 0);
        out.println(ok
                ? "demo finished: the healthy version was promoted and the bad one rolled back"
                : "demo FAILED: the outcomes above are not the expected Ready, Succeeded, RolledBack");
        return ok ? 0 : 1;
    }

    private record Release(String name, Phase phase, double seconds, String message) {
    }

    /** Prints every change of the Canary's status until it reaches one of the phases. */
    private Release await(KubernetesClient k8s, String ns, String name, List<Phase> end, Phase mustPass) {
        out.println();
        say("release " + name);
        long start = System.nanoTime();
        long deadline = start + RELEASE_TIMEOUT.toNanos();
        String last = null;
        boolean passed = mustPass == null;
        while (System.nanoTime() < deadline) {
            Canary c = k8s.resources(Canary.class).inNamespace(ns).withName(APP).get();
            CanaryStatus s = c == null ? null : c.getStatus();
            if (s != null && s.getPhase() != null) {
                String line = describe(s);
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

    private static Canary canary(String ns) {
        CanarySpec spec = new CanarySpec();
        spec.setTargetRef(new TargetRef(WorkloadKind.Deployment, APP));
        ServiceSpec service = new ServiceSpec();
        service.setPort(80);
        service.setTargetPort(9898);
        spec.setService(service);
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
        canary.getMetadata().setName(APP);
        canary.getMetadata().setNamespace(ns);
        canary.setSpec(spec);
        return canary;
    }

    private void setImage(KubernetesClient k8s, String ns, String version) {
        k8s.apps().deployments().inNamespace(ns).withName(APP).edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(IMAGE + version);
            return d;
        });
        say("Git pushed " + IMAGE + version);
    }

    private static AnalysisTemplate loadTemplate(String file) {
        try (InputStream in = Demo.class.getResourceAsStream("/analysis-templates/" + file)) {
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
