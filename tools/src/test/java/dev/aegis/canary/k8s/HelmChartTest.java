package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The Helm chart (deploy/helm/aegis-canary) beside the kustomize base, with the Helm built from its Go module: by
 * default it renders the objects `kubectl kustomize deploy/` renders (but the Namespace, which belongs to
 * `helm install --create-namespace`), with monitoring on those of deploy/monitoring; `helm lint --strict` is clean;
 * its values reach the objects they name, and values that would install a misbehaving controller are refused with
 * the value named.
 */
class HelmChartTest {

    /** What the chart adds to deploy/'s objects, and only that: Helm's usual labels and the config checksum. */
    static final List<String> HELM_LABELS = List.of("app.kubernetes.io/instance", "app.kubernetes.io/managed-by",
            "helm.sh/chart");
    static final String CONFIG_CHECKSUM = "checksum/config";

    static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void byDefaultTheChartRendersWhatDeployRenders() {
        Map<String, Map<String, Object>> kustomized = kustomize("deploy/");
        Map<String, Map<String, Object>> helm = template("aegis-canary", "--include-crds");

        assertThat(kustomized.keySet()).as("kubectl kustomize deploy/").hasSizeGreaterThanOrEqualTo(13);
        assertThat(kustomized.remove("Namespace /aegis-system")).as("deploy/'s Namespace").isNotNull();
        assertThat(helm.keySet()).as("the objects helm template renders").containsExactlyInAnyOrderElementsOf(
                kustomized.keySet());
        for (var object : kustomized.entrySet()) {
            assertThat(withoutHelmAdditions(helm.get(object.getKey())))
                    .as("%s: the chart differs from deploy/ (the chart's crds/ and files/ are copies of deploy/crds "
                            + "and deploy/monitoring)", object.getKey())
                    .isEqualTo(object.getValue());
        }
    }

    @Test
    void withMonitoringOnTheChartAlsoRendersWhatDeployMonitoringRenders() {
        Map<String, Map<String, Object>> kustomized = kustomize("deploy/monitoring/");
        Map<String, Map<String, Object>> helm = template("aegis-canary", "--set",
                "monitoring.serviceMonitor.enabled=true,monitoring.prometheusRule.enabled=true,"
                        + "monitoring.dashboard.enabled=true");
        helm.keySet().removeAll(template("aegis-canary").keySet());

        assertThat(helm.keySet()).containsExactlyInAnyOrder("ServiceMonitor aegis-system/aegis-canary",
                "PrometheusRule aegis-system/aegis-canary", "ConfigMap aegis-system/aegis-canary-dashboard");
        assertThat(helm.keySet()).containsExactlyInAnyOrderElementsOf(kustomized.keySet());
        for (var object : kustomized.entrySet()) {
            assertThat(withoutHelmAdditions(helm.get(object.getKey()))).as(object.getKey())
                    .isEqualTo(object.getValue());
        }
    }

    @Test
    void lintIsCleanWithTheDefaultsAndWithEverythingOn() {
        for (List<String> values : List.of(List.<String>of(), List.of("--set",
                "monitoring.serviceMonitor.enabled=true,monitoring.prometheusRule.enabled=true,"
                        + "monitoring.dashboard.enabled=true,watchNamespaces={a,b},"
                        + "notifications.defaultProvider=ops/slack,notifications.defaultSeverity=warn"))) {
            List<String> args = new ArrayList<>(List.of("lint", "--strict", Helm.CHART));
            args.addAll(values);
            Kubectl.Result lint = Helm.run(args.toArray(String[]::new));
            assertThat(lint.exitCode()).as(lint.output()).isZero();
            assertThat(lint.output()).as("helm lint %s", values).contains("0 chart(s) failed")
                    .doesNotContain("[WARNING]", "[ERROR]");
        }
    }

    @Test
    void valuesReachTheObjectsTheyName() {
        Map<String, Map<String, Object>> rendered = template("edge", "--set",
                "image.tag=0.2.0,replicaCount=3,watchNamespaces={shop,edge},notifications.defaultProvider=ops/slack,"
                        + "notifications.defaultSeverity=warn,prometheus.url=http://thanos.monitoring:9090,"
                        + "extraConfig.AEGIS_TRAFFIC_DEPLOYMENT_ROUTER=gateway-api,resources.limits.memory=1Gi");

        assertThat(rendered).containsKeys("Deployment aegis-system/edge-aegis-canary",
                "ClusterRole /edge-aegis-canary", "Role aegis-system/edge-aegis-canary-leader-election");
        Map<String, Object> config = at(rendered.get("ConfigMap aegis-system/edge-aegis-canary"), "data");
        assertThat(config).containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "shop,edge")
                .containsEntry("AEGIS_NOTIFY_DEFAULT_PROVIDER", "ops/slack")
                .containsEntry("AEGIS_NOTIFY_DEFAULT_SEVERITY", "warn")
                .containsEntry("AEGIS_PROMETHEUS_URL", "http://thanos.monitoring:9090")
                .containsEntry("AEGIS_TRAFFIC_DEPLOYMENT_ROUTER", "gateway-api")
                // a second release in one namespace must not share the first one's Lease
                .containsEntry("AEGIS_LEADER_ELECTION_LEASE_NAME", "edge-aegis-canary")
                .doesNotContainKey("AEGIS_LEADER_ELECTION_ENABLED");
        Map<String, Object> deployment = rendered.get("Deployment aegis-system/edge-aegis-canary");
        assertThat(at(deployment, "spec")).containsEntry("replicas", BigDecimal.valueOf(3));
        Map<String, Object> container = container(deployment);
        assertThat(container).containsEntry("image", "ghcr.io/aegis-dev/aegis-canary:0.2.0");
        assertThat(at(container, "resources", "limits")).containsEntry("memory", "1Gi");
        assertThat(at(rendered.get("ClusterRoleBinding /edge-aegis-canary"), "roleRef")).containsEntry("name",
                "edge-aegis-canary");
    }

    @Test
    void aSingleReplicaWithoutLeaderElectionGetsNoLeaseAndNoRole() {
        Map<String, Map<String, Object>> rendered = template("aegis-canary", "--set",
                "leaderElection.enabled=false,replicaCount=1");

        assertThat(at(rendered.get("ConfigMap aegis-system/aegis-canary"), "data"))
                .containsEntry("AEGIS_LEADER_ELECTION_ENABLED", "false");
        assertThat(rendered.keySet()).noneMatch(k -> k.startsWith("Role ") || k.startsWith("RoleBinding "));
    }

    @Test
    void aChangedConfigurationRestartsTheController() {
        Object before = podAnnotations(template("aegis-canary")).get(CONFIG_CHECKSUM);
        Object after = podAnnotations(template("aegis-canary", "--set", "analysis.noDataLimit=5")).get(CONFIG_CHECKSUM);
        assertThat(before).isNotNull().isNotEqualTo(after);
    }

    @Test
    void valuesThatWouldMisbehaveAreRefusedNamingTheValue() {
        Kubectl.Result twoWithoutLease = Helm.run("template", "aegis-canary", Helm.CHART, "--set",
                "leaderElection.enabled=false");
        assertThat(twoWithoutLease.exitCode()).isNotZero();
        assertThat(twoWithoutLease.output()).contains("leaderElection.enabled=false needs replicaCount: 1 (got 2)");

        Kubectl.Result severity = Helm.run("template", "aegis-canary", Helm.CHART, "--set",
                "notifications.defaultSeverity=critical");
        assertThat(severity.exitCode()).isNotZero();
        assertThat(severity.output())
                .contains("notifications.defaultSeverity must be one of info, warn, error (got \"critical\")");

        Kubectl.Result none = Helm.run("template", "aegis-canary", Helm.CHART, "--set", "replicaCount=0");
        assertThat(none.exitCode()).isNotZero();
        assertThat(none.output()).contains("replicaCount must be at least 1 (got 0)");
    }

    // --- rendering and reading

    static Map<String, Map<String, Object>> kustomize(String dir) {
        Kubectl.Result built = Kubectl.offline("kustomize", dir);
        assertThat(built.exitCode()).as("kubectl kustomize %s: %s", dir, built.output()).isZero();
        return byKey(built.output());
    }

    static Map<String, Map<String, Object>> template(String release, String... args) {
        List<String> all = new ArrayList<>(List.of("template", release, Helm.CHART, "--namespace", "aegis-system"));
        all.addAll(List.of(args));
        Kubectl.Result rendered = Helm.run(all.toArray(String[]::new));
        assertThat(rendered.exitCode()).as("helm %s: %s", all, rendered.output()).isZero();
        return byKey(rendered.output());
    }

    /** The documents of a multi-document YAML by "Kind namespace/name" (namespace empty when cluster-scoped). */
    static Map<String, Map<String, Object>> byKey(String yaml) {
        try (MappingIterator<Map<String, Object>> documents = YAML.readerFor(new TypeReference<Map<String, Object>>() {
        }).readValues(yaml)) {
            Map<String, Map<String, Object>> objects = new TreeMap<>();
            for (Map<String, Object> object : documents.readAll()) {
                if (object == null || object.isEmpty()) {
                    continue;
                }
                Map<String, Object> metadata = at(object, "metadata");
                String key = object.get("kind") + " " + metadata.getOrDefault("namespace", "") + "/"
                        + metadata.get("name");
                assertThat(objects.put(key, numbersAsDecimals(object))).as("rendered twice: %s", key).isNull();
            }
            return objects;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Numbers compared by value: kustomize writes the CRDs' 1.0 and 1.0E8 as 1 and 100000000, Helm as written. */
    @SuppressWarnings("unchecked")
    static <T> T numbersAsDecimals(T value) {
        if (value instanceof Number number) {
            return (T) new BigDecimal(number.toString()).stripTrailingZeros();
        }
        if (value instanceof Map<?, ?> map) {
            ((Map<Object, Object>) map).replaceAll((k, v) -> numbersAsDecimals(v));
        } else if (value instanceof List<?> list) {
            ((List<Object>) list).replaceAll(HelmChartTest::numbersAsDecimals);
        }
        return value;
    }

    /** The object as deploy/ would write it: Helm's labels and the config checksum taken out. */
    static Map<String, Object> withoutHelmAdditions(Map<String, Object> object) {
        Map<String, Object> labels = at(object, "metadata", "labels");
        if (labels != null) {
            assertThat(labels).as("Helm's labels on %s", at(object, "metadata").get("name")).containsKeys(
                    HELM_LABELS.toArray(String[]::new));
            labels.keySet().removeAll(HELM_LABELS);
        }
        Map<String, Object> podAnnotations = at(object, "spec", "template", "metadata", "annotations");
        if (podAnnotations != null) {
            podAnnotations.remove(CONFIG_CHECKSUM);
        }
        return object;
    }

    static Map<String, Object> podAnnotations(Map<String, Map<String, Object>> rendered) {
        return at(rendered.get("Deployment aegis-system/aegis-canary"), "spec", "template", "metadata", "annotations");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> container(Map<String, Object> deployment) {
        return ((List<Map<String, Object>>) at(deployment, "spec", "template", "spec").get("containers")).get(0);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> at(Map<String, Object> object, String... path) {
        Object here = object;
        for (String key : path) {
            if (!(here instanceof Map)) {
                return null;
            }
            here = ((Map<String, Object>) here).get(key);
        }
        return (Map<String, Object>) here;
    }
}
