package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.PrometheusProxy;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;

/**
 * The faults the mock API server showed, on the real control plane: Prometheus going away at a step (a proxy in front
 * of the shared Prometheus refuses connections, so only this Canary's template loses it), a template and the target
 * deleted mid-run (the real garbage collector removes the target's ReplicaSets and pods), and malformed input that
 * passes the real CRD schema, applied with kubectl as a user does.
 */
class RealFaultsIT {

    static final int REPLICAS = 4;
    static final Duration RUN = Duration.ofSeconds(120);

    @RegisterExtension
    static final RealController REAL = new RealController("controller-faults");

    @Test
    void prometheusDownAtAStepHoldsItTheRunCarriesOnWhenItIsBackAndALongerOutageRollsBackWithoutIt() {
        String ns = REAL.plane.newNamespace("outage");
        String image = "registry.invalid/" + ns + "/podinfo:";
        try (PrometheusProxy proxy = new PrometheusProxy(REAL.fleet.prometheus.url());
                KubernetesClient client = REAL.plane.client()) {
            CanaryRuns.apply(REAL.plane, successRateVia(ns, proxy.url()));
            client.apps().deployments().inNamespace(ns).resource(RealDeploymentCanaryIT.podinfo(ns, image + "6.0.0"))
                    .create();
            CanaryRuns.apply(REAL.plane, RealDeploymentCanaryIT.canary(ns, "[25, 50, 100]", "4s", "success-via-proxy"));
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, REAL.controller, RUN);
            String reason = "success-rate: error (Prometheus at " + proxy.url() + " unreachable: Connection refused)";

            try (Weights weights = new Weights(client, ns)) {
                RealDeploymentCanaryIT.setImage(REAL.plane, ns, image + "6.0.1");
                awaitStatus(client, ns, s -> s.getPhase() == Phase.Progressing && Integer.valueOf(50).equals(s
                        .getWeight()) && s.getStepReadyAt() != null);
                proxy.down();
                try {
                    CanaryStatus held = awaitStatus(client, ns, s -> Integer.valueOf(1).equals(s.getErrorChecks()));
                    assertThat(held.getPhase()).isEqualTo(Phase.Progressing);
                    assertThat(held.getStepIndex()).isEqualTo(1);
                    assertThat(held.getWeight()).isEqualTo(50);
                    assertThat(held.getMessage()).isEqualTo("step 2/3: 50% (2/4 pods), holding: check with a query "
                            + "error (1/3): " + reason);
                    assertThat(held.getLastAnalysis()).extracting(MetricResult::getResult)
                            .containsOnly(CheckResult.Error);
                    assertThat(ready(client, ns)).as("the step's pods, held as they were")
                            .isEqualTo(Map.of(image + "6.0.1", 2L, image + "6.0.0", 2L));
                    Awaitility.await("a CheckError Warning").atMost(Duration.ofSeconds(10)).untilAsserted(
                            () -> assertThat(warnings(client, ns, "CheckError")).first().isEqualTo(
                                    "check with a query error (1 of 3 in a row roll back): " + reason));
                } finally {
                    proxy.up();
                }
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Succeeded, REAL.controller, RUN);
                assertThat(weights.steps()).as("every step once, in order: the outage neither skipped nor repeated "
                        + "one").containsExactly(25, 50, 100);
            }
            CanaryStatus promoted = CanaryRuns.status(client, ns, "podinfo");
            assertThat(promoted.getMessage()).startsWith("promoted revision " + promoted.getCanaryRevision());
            assertThat(warnings(client, ns, "RolledBack")).isEmpty();
            awaitReady(client, ns, Map.of(image + "6.0.1", (long) REPLICAS));

            // not back within errorLimit checks in a row: rolled back, which needs no Prometheus
            RealDeploymentCanaryIT.setImage(REAL.plane, ns, image + "6.0.2");
            awaitStatus(client, ns, s -> s.getPhase() == Phase.Progressing && Integer.valueOf(25).equals(s
                    .getWeight()) && s.getStepReadyAt() != null);
            proxy.down();
            try {
                CanaryStatus rolledBack = awaitStatus(client, ns, s -> s.getPhase() == Phase.RolledBack);
                assertThat(rolledBack.getMessage()).isEqualTo("rolled back revision " + rolledBack
                        .getCanaryRevision() + " at step 1/3 (25%): 3 checks in a row with a query error (limit 3): "
                        + reason);
                awaitReady(client, ns, Map.of(image + "6.0.1", (long) REPLICAS));
            } finally {
                proxy.up();
            }
        }
    }

    @Test
    void aTemplateDeletedMidRunGivesThePrimaryAllTrafficUntilItIsBackAndADeletedTargetLeavesThePrimaryServing() {
        String ns = REAL.plane.newNamespace("deleted");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(REAL.plane, ns);
        try (KubernetesClient client = REAL.plane.client()) {
            client.apps().deployments().inNamespace(ns).resource(RealDeploymentCanaryIT.podinfo(ns, image + "6.0.0"))
                    .create();
            CanaryRuns.apply(REAL.plane, RealDeploymentCanaryIT.canary(ns, "[50, 100]", "5s", "request-success-rate"));
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, REAL.controller, RUN);

            CanaryStatus invalid;
            try (Weights weights = new Weights(client, ns)) {
                RealDeploymentCanaryIT.setImage(REAL.plane, ns, image + "6.0.1");
                awaitStatus(client, ns, s -> Integer.valueOf(50).equals(s.getWeight()) && s.getStepReadyAt() != null);
                kubectl("delete", "analysistemplate", "request-success-rate", "-n", ns);
                invalid = awaitStatus(client, ns, s -> s.getPhase() == Phase.Invalid);
                assertThat(invalid.getMessage()).isEqualTo("invalid: spec.analysis.metrics[0].templateRef: "
                        + "AnalysisTemplate 'request-success-rate' not found in namespace " + ns);
                assertThat(invalid.getWeight()).as("the run is remembered").isEqualTo(50);
                awaitReady(client, ns, Map.of(image + "6.0.0", (long) REPLICAS));
                assertThat(deployment(client, ns, "podinfo").getSpec().getReplicas()).as("the target").isZero();

                CanaryRuns.applyTemplates(REAL.plane, ns);
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Succeeded, REAL.controller, RUN);
                assertThat(weights.steps()).as("resumed at the step it left").containsExactly(50, 100);
            }
            CanaryStatus promoted = CanaryRuns.status(client, ns, "podinfo");
            assertThat(promoted.getCanaryRevision()).isEqualTo(invalid.getCanaryRevision());
            assertThat(events(client, ns, "podinfo")).extracting(Event::getReason).containsSubsequence("InvalidSpec",
                    "Resumed", "Succeeded");
            awaitReady(client, ns, Map.of(image + "6.0.1", (long) REPLICAS));

            RealDeploymentCanaryIT.setImage(REAL.plane, ns, image + "6.0.2");
            awaitStatus(client, ns, s -> Integer.valueOf(50).equals(s.getWeight()) && s.getStepReadyAt() != null);
            kubectl("delete", "deployment", "podinfo", "-n", ns, "--wait=true", "--timeout=60s");
            CanaryStatus gone = awaitStatus(client, ns, s -> s.getPhase() == Phase.Invalid);
            assertThat(gone.getMessage()).isEqualTo("invalid: spec.targetRef: Deployment 'podinfo' not found in "
                    + "namespace " + ns);
            // the garbage collector took the target's ReplicaSets and the canary's pods; the primary has them all
            awaitReady(client, ns, Map.of(image + "6.0.1", (long) REPLICAS));
            assertThat(deployment(client, ns, "podinfo-primary").getSpec().getReplicas()).isEqualTo(REPLICAS);
        }
    }

    /** One malformed Canary the schema lets through: its target, its spec lines and what the controller says. */
    record BadCanary(String name, String target, String spec, String message) {
    }

    @Test
    void malformedInputPastTheSchemaIsNamedInStatusAnEventAndTheLogAndChangesNothing() throws Exception {
        String ns = REAL.plane.newNamespace("malformed");
        List<BadCanary> cases = List.of(
                new BadCanary("no-target", "nope", "steps: [50, 100]",
                        "spec.targetRef: Deployment 'nope' not found in namespace " + ns),
                new BadCanary("elsewhere", "t-elsewhere", "steps: [50, 100]",
                        "spec.targetRef.namespace must be the Canary's own namespace " + ns
                                + " (or left out), got 'payments'"),
                new BadCanary("wrong-router", "t-router", "traffic: {router: nodes}",
                        "spec.traffic.router nodes needs a DaemonSet target; a Deployment uses replicas, "
                                + "gateway-api or nginx"),
                new BadCanary("no-template", "t-template", metric("missing", null),
                        "spec.analysis.metrics[0].templateRef: AnalysisTemplate 'missing' not found in namespace "
                                + ns),
                new BadCanary("typo", "t-typo", metric("typo", null),
                        "spec.analysis.metrics[0] (errors): unknown variable {{canaryPod}}"),
                new BadCanary("unclosed", "t-unclosed", metric("unclosed", null),
                        "spec.analysis.metrics[0] (errors): AnalysisTemplate unclosed is not valid PromQL: "
                                + "parse error"),
                new BadCanary("injection", "t-injection", metric("windowed", "{range: \"1m]) or vector(1) #\"}"),
                        "spec.analysis.metrics[0] (errors): variable {{range}} is used outside a quoted string, "
                                + "where only names, numbers and durations are allowed"),
                new BadCanary("undeclared", "t-undeclared", metric("request-success-rate", "{service: podinfo}"),
                        "spec.analysis.metrics[0] (errors): metrics[errors].args.service is not declared by "
                                + "template AnalysisTemplate request-success-rate (declared: none)"),
                new BadCanary("not-a-number", "t-bound", """
                        analysis:
                            interval: 5s
                            judge: sequential
                            metrics:
                              - {name: errors, templateRef: {name: request-counts}}
                              - {name: slow-requests, templateRef: {name: request-slow-counts}, args: {bound: half}}
                        """, "spec.analysis.metrics[1] (slow-requests): metrics[slow-requests].args.bound: 'half' is "
                        + "not a number; the arg takes a decimal such as 0.5 or 100 (template AnalysisTemplate "
                        + "request-slow-counts)"));
        CanaryRuns.applyTemplates(REAL.plane, ns);
        CanaryRuns.apply(REAL.plane, badTemplates(ns));
        try (KubernetesClient client = REAL.plane.client()) {
            Map<String, String> targets = new java.util.TreeMap<>();
            for (BadCanary c : cases) {
                if (!c.target().equals("nope")) {
                    Deployment created = client.apps().deployments().inNamespace(ns).resource(target(ns, c.target()))
                            .create();
                    targets.put(c.target(), Serialization.asJson(created.getSpec()));
                }
            }
            // all at once, in one file, as a Git commit would bring them
            CanaryRuns.apply(REAL.plane, cases.stream().map(c -> badCanary(ns, c)).collect(Collectors.joining(
                    "---\n")));

            for (BadCanary c : cases) {
                CanaryStatus s = awaitStatus(client, ns, c.name(), st -> st.getPhase() == Phase.Invalid);
                assertThat(s.getMessage()).as(c.name()).startsWith("invalid: ").contains(c.message());
                assertThat(s.getConditions()).as(c.name()).filteredOn(x -> "Ready".equals(x.getType()))
                        .singleElement().satisfies(x -> {
                            assertThat(x.getStatus()).isEqualTo("False");
                            assertThat(x.getReason()).isEqualTo("Invalid");
                        });
                Awaitility.await(c.name() + ": its InvalidSpec Warning").atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(events(client, ns, c.name())).singleElement().satisfies(
                                e -> {
                                    assertThat(e.getType()).isEqualTo("Warning");
                                    assertThat(e.getReason()).isEqualTo("InvalidSpec");
                                    assertThat(e.getMessage()).contains(c.message());
                                }));
                assertThat(logLines(c.message())).as("%s in the controller's log %s", c.name(),
                        REAL.controller.log).isNotEmpty();
            }

            // nothing changed: each target's spec as created, no primary, no Service; the controller wrote only the
            // Canaries (their finalizer and status) and Events here, as the API server's audit log records every request
            targets.forEach((name, spec) -> {
                assertThat(Serialization.asJson(deployment(client, ns, name).getSpec())).as(name).isEqualTo(spec);
                assertThat(deployment(client, ns, name + "-primary")).as(name + "-primary").isNull();
            });
            assertThat(client.services().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(Audit.requestsOf(REAL.plane, PackagedControllerIT.USER)).filteredOn(r -> r.uri().contains(
                    "/namespaces/" + ns + "/") && !List.of("get", "list", "watch").contains(r.verb()))
                    .isNotEmpty().allSatisfy(r -> assertThat(r.uri()).matches(".*/namespaces/" + ns
                            + "/(canaries/[a-z-]+(/status)?|events(/[^/?]+)?)(\\?.*)?"));
        }
    }

    @Test
    void aSecondCanaryOnATargetIsInvalidAndTheFirstKeepsWorking() {
        String ns = REAL.plane.newNamespace("two");
        String image = "registry.invalid/" + ns + "/podinfo:";
        try (KubernetesClient client = REAL.plane.client()) {
            client.apps().deployments().inNamespace(ns).resource(RealDeploymentCanaryIT.podinfo(ns, image + "6.0.0"))
                    .create();
            CanaryRuns.apply(REAL.plane,
                    RealDeploymentCanaryIT.canary(ns, "[50, 100]", "1m", null).replace("name: podinfo, namespace",
                            "name: first, namespace"));
            CanaryRuns.awaitPhase(client, ns, "first", Phase.Ready, REAL.controller, RUN);
            String primary = Serialization.asJson(deployment(client, ns, "podinfo-primary").getSpec());

            CanaryRuns.apply(REAL.plane, RealDeploymentCanaryIT.canary(ns, "[50, 100]", "1m", null));
            CanaryStatus second = awaitStatus(client, ns, "podinfo", s -> s.getPhase() == Phase.Invalid);
            assertThat(second.getMessage()).isEqualTo("invalid: spec.targetRef: Deployment 'podinfo' is already the "
                    + "target of Canary 'first' (created first); a workload can have one Canary: delete this one or "
                    + "point it at another workload");
            assertThat(Serialization.asJson(deployment(client, ns, "podinfo-primary").getSpec())).isEqualTo(primary);

            // the first still acts: a new version starts its run at its own first step
            RealDeploymentCanaryIT.setImage(REAL.plane, ns, image + "6.0.1");
            awaitStatus(client, ns, "first", s -> s.getPhase() == Phase.Progressing && Integer.valueOf(50).equals(s
                    .getWeight()));
            awaitReady(client, ns, Map.of(image + "6.0.1", 2L, image + "6.0.0", 2L));
            assertThat(CanaryRuns.phase(client, ns, "podinfo")).isEqualTo(Phase.Invalid);
            assertThat(events(client, ns, "podinfo")).extracting(Event::getReason).containsOnly("InvalidSpec");
        }
    }

    /** The Canary's weights in the order they were seen (every 100 ms), each run of one weight once, 0 and none left out. */
    static final class Weights implements AutoCloseable {

        private final List<Integer> seen = new CopyOnWriteArrayList<>();
        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

        Weights(KubernetesClient client, String ns) {
            sampler.scheduleWithFixedDelay(() -> {
                CanaryStatus s = CanaryRuns.status(client, ns, "podinfo");
                Integer weight = s == null ? null : s.getWeight();
                if (weight != null && weight > 0 && (seen.isEmpty() || !seen.get(seen.size() - 1).equals(weight))) {
                    seen.add(weight);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
        }

        List<Integer> steps() {
            return List.copyOf(seen);
        }

        @Override
        public void close() {
            sampler.shutdownNow();
        }
    }

    static CanaryStatus awaitStatus(KubernetesClient client, String ns, Predicate<CanaryStatus> wanted) {
        return awaitStatus(client, ns, "podinfo", wanted);
    }

    static CanaryStatus awaitStatus(KubernetesClient client, String ns, String name, Predicate<CanaryStatus> wanted) {
        return Awaitility.await("Canary " + name + "; controller log " + REAL.controller.log).atMost(RUN)
                .pollInterval(Duration.ofMillis(100)).failFast("controller died; see " + REAL.controller.log,
                        () -> !REAL.controller.isAlive())
                .until(() -> CanaryRuns.status(client, ns, name), s -> s != null && wanted.test(s));
    }

    /** Waits until the namespace's ready pods are exactly these, by image. */
    static void awaitReady(KubernetesClient client, String ns, Map<String, Long> byImage) {
        Awaitility.await("ready pods " + byImage).atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                ready(client, ns)).as(RealDeploymentCanaryIT.pods(client, ns)).isEqualTo(byImage));
    }

    static Map<String, Long> ready(KubernetesClient client, String ns) {
        return RealDeploymentCanaryIT.sample(client, ns).readyByImage();
    }

    static Deployment deployment(KubernetesClient client, String ns, String name) {
        return client.apps().deployments().inNamespace(ns).withName(name).get();
    }

    static List<Event> events(KubernetesClient client, String ns, String canary) {
        return client.v1().events().inNamespace(ns).list().getItems().stream().filter(e -> canary.equals(e
                .getInvolvedObject().getName()) && "Canary".equals(e.getInvolvedObject().getKind())).toList();
    }

    static List<String> warnings(KubernetesClient client, String ns, String reason) {
        return events(client, ns, "podinfo").stream().filter(e -> "Warning".equals(e.getType()) && reason.equals(e
                .getReason())).sorted(java.util.Comparator.comparing(e -> e.getMetadata().getCreationTimestamp()))
                .map(Event::getMessage).toList();
    }

    /** The controller's log lines that hold this text. */
    static List<String> logLines(String text) {
        try {
            return Files.readAllLines(REAL.controller.log).stream().filter(l -> l.contains(text)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void kubectl(String... args) {
        Kubectl.Result result = Kubectl.run(REAL.plane, args);
        assertThat(result.exitCode()).as("kubectl %s: %s", String.join(" ", args), result.output()).isZero();
    }

    /** The shipped request-success-rate query, asked of the Prometheus at address. */
    static String successRateVia(String ns, String address) {
        return """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: AnalysisTemplate
                metadata: {name: success-via-proxy, namespace: %s}
                spec:
                  prometheus: {address: "%s"}
                  query: |
                    100 * sum(rate(http_requests_total{namespace="{{namespace}}",pod=~"{{canaryPods}}",code!~"5.."}[{{interval}}]))
                      / sum(rate(http_requests_total{namespace="{{namespace}}",pod=~"{{canaryPods}}"}[{{interval}}]))
                """
                .formatted(ns, address);
    }

    /** Templates the schema accepts and the controller does not: an unknown variable, bad PromQL, an unquoted arg. */
    static String badTemplates(String ns) {
        return """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: AnalysisTemplate
                metadata: {name: typo, namespace: %1$s}
                spec:
                  query: 'sum(rate(x{pod=~"{{canaryPod}}"}[1m]))'
                ---
                apiVersion: canary.aegis.dev/v1alpha1
                kind: AnalysisTemplate
                metadata: {name: unclosed, namespace: %1$s}
                spec:
                  query: 'sum(rate(http_requests_total{pod=~"{{canaryPods}}"}[1m])'
                ---
                apiVersion: canary.aegis.dev/v1alpha1
                kind: AnalysisTemplate
                metadata: {name: windowed, namespace: %1$s}
                spec:
                  args: [{name: range, value: 1m}]
                  query: 'sum(rate(http_requests_total{pod=~"{{canaryPods}}"}[{{range}}]))'
                """.formatted(ns);
    }

    /** A metric named errors from this template, with these args (YAML flow map) or none. */
    static String metric(String template, String args) {
        return """
                analysis:
                    interval: 5s
                    metrics:
                      - name: errors
                        templateRef: {name: %s}
                        thresholdRange: {min: 99}%s
                """.formatted(template, args == null ? "" : "\n        args: " + args);
    }

    static String badCanary(String ns, BadCanary c) {
        String namespace = c.name().equals("elsewhere") ? ", namespace: payments" : "";
        String spec = c.spec().strip().replace("\n", "\n  ");
        return """
                apiVersion: canary.aegis.dev/v1alpha1
                kind: Canary
                metadata: {name: %s, namespace: %s}
                spec:
                  targetRef: {apiVersion: apps/v1, kind: Deployment, name: %s%s}
                  %s
                """.formatted(c.name(), ns, c.target(), namespace, spec);
    }

    static Deployment target(String ns, String name) {
        Deployment d = RealDeploymentCanaryIT.podinfo(ns, "registry.invalid/" + ns + "/podinfo:6.0.0");
        d.getMetadata().setName(name);
        d.getSpec().setReplicas(1);
        d.getSpec().getSelector().getMatchLabels().put("app", name);
        d.getSpec().getTemplate().getMetadata().getLabels().put("app", name);
        return d;
    }
}
