package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.Repo;
import dev.aegis.canary.analysis.PodScope;
import dev.aegis.canary.analysis.PrometheusClient;
import dev.aegis.canary.analysis.PrometheusEndpoint;
import dev.aegis.canary.analysis.QueryResult;
import dev.aegis.canary.analysis.QueryTemplate;
import dev.aegis.canary.analysis.QueryVariables;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.Canary;
import dev.aegis.canary.reconcile.ApiAccess;
import dev.aegis.canary.rollout.SpecValidator;

/**
 * deploy/ and analysis-templates/ stay applyable and true: they parse into the project's types, the CRDs are the ones
 * the build generates from the Java types, the ClusterRole is exactly what the code uses, and the shipped queries are
 * PromQL a real Prometheus accepts.
 */
@QuarkusTest
class ManifestsTest {

    static final Path DEPLOY = Repo.file("deploy");
    static final Path TEMPLATES = Repo.file("analysis-templates");
    static final Path GENERATED = Repo.file("controller", "target", "kubernetes");

    @Inject
    PrometheusClient prometheus;

    @ConfigProperty(name = "aegis.prometheus.url")
    String prometheusUrl;

    @SuppressWarnings("unchecked")
    static List<String> kustomizationResources(Path dir) throws IOException {
        Map<String, Object> k = Serialization.unmarshal(Files.readString(dir.resolve("kustomization.yaml")), Map.class);
        return (List<String>) k.get("resources");
    }

    @Test
    void theCommittedCrdsAreTheGeneratedOnes() throws IOException {
        List<Path> generated;
        try (Stream<Path> files = Files.list(GENERATED)) {
            generated = files.filter(p -> p.getFileName().toString().endsWith(".canary.aegis.dev-v1.yml")).sorted()
                    .toList();
        }
        assertThat(generated).hasSize(4);
        for (Path g : generated) {
            Path committed = DEPLOY.resolve("crds").resolve(g.getFileName());
            assertThat(committed)
                    .as("deploy/crds is out of date; run: for d in deploy/crds deploy/helm/aegis-canary/crds; do "
                            + "cp controller/target/kubernetes/*.canary.aegis.dev-v1.yml $d/; done")
                    .exists();
            assertThat(Files.readString(committed)).as("deploy/crds/" + g.getFileName()
                    + " differs from the generated CRD; run: cp target/kubernetes/*.canary.aegis.dev-v1.yml deploy/crds/")
                    .isEqualTo(Files.readString(g));
        }
        CustomResourceDefinition canaries = Serialization.unmarshal(Files.readString(
                DEPLOY.resolve("crds/canaries.canary.aegis.dev-v1.yml")), CustomResourceDefinition.class);
        var version = canaries.getSpec().getVersions().get(0);
        assertThat(version.getSubresources().getStatus()).isNotNull();
        assertThat(canaries.getSpec().getNames().getShortNames()).containsExactly("cn");
        assertThat(version.getAdditionalPrinterColumns()).extracting(c -> c.getName())
                .containsExactly("Target", "Phase", "Weight", "Message", "Age");
        var steps = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties().get("steps");
        assertThat(steps.getItems().getSchema().getMinimum()).isEqualTo(1.0);
        assertThat(steps.getItems().getSchema().getMaximum()).isEqualTo(100.0);
        assertThat(steps.getXKubernetesValidations()).extracting(r -> r.getRule())
                .contains("self[size(self) - 1] == 100");
        assertThat(version.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getRequired())
                .containsExactly("targetRef");
    }

    @Test
    void everyDeployManifestParsesAndIsListedInTheKustomization() throws IOException {
        List<String> resources = kustomizationResources(DEPLOY);
        Set<String> kinds = new HashSet<>();
        for (String file : resources) {
            Path path = DEPLOY.resolve(file);
            assertThat(path).as(file + " listed in deploy/kustomization.yaml").exists();
            HasMetadata object = Serialization.unmarshal(Files.readString(path));
            assertThat(object.getMetadata().getName()).isNotBlank();
            kinds.add(object.getKind());
        }
        assertThat(kinds).containsExactlyInAnyOrder("CustomResourceDefinition", "Namespace", "ServiceAccount",
                "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Deployment", "Service");
        try (Stream<Path> files = Files.list(DEPLOY)) {
            List<String> yaml = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).toList();
            assertThat(resources).as("every manifest in deploy/ is applied").containsAll(yaml);
        }
    }

    @Test
    void theClusterRoleGrantsExactlyWhatTheControllerUses() throws IOException {
        ClusterRole role = Serialization.unmarshal(Files.readString(DEPLOY.resolve("clusterrole.yaml")),
                ClusterRole.class);
        List<ApiAccess.Rule> granted = new ArrayList<>();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getVerbs()).doesNotContain("*");
            assertThat(rule.getResources()).doesNotContain("*");
            assertThat(rule.getApiGroups()).doesNotContain("*");
            assertThat(rule.getResourceNames()).isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    granted.add(new ApiAccess.Rule(group, resource, Set.copyOf(rule.getVerbs())));
                }
            }
        }
        assertThat(granted).containsExactlyInAnyOrderElementsOf(ApiAccess.RULES);

        io.fabric8.kubernetes.api.model.rbac.Role lease = Serialization.unmarshal(Files.readString(
                DEPLOY.resolve("role.yaml")), io.fabric8.kubernetes.api.model.rbac.Role.class);
        List<ApiAccess.Rule> namespaced = new ArrayList<>();
        for (PolicyRule rule : lease.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    namespaced.add(new ApiAccess.Rule(group, resource, Set.copyOf(rule.getVerbs())));
                }
            }
        }
        assertThat(namespaced).containsExactlyInAnyOrderElementsOf(ApiAccess.NAMESPACE_RULES);
    }

    @Test
    void theControllerRunsAsNonRootOnAReadOnlyFilesystemWithProbes() throws IOException {
        Deployment d = Serialization.unmarshal(Files.readString(DEPLOY.resolve("deployment.yaml")), Deployment.class);
        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getServiceAccountName()).isEqualTo("aegis-canary");
        var container = pod.getContainers().get(0);
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/tmp");
    }

    @Test
    void theShippedTemplatesAreAllAppliedAndRenderToPromQlThatPrometheusAccepts() throws IOException {
        List<String> folders = kustomizationResources(TEMPLATES);
        try (Stream<Path> dirs = Files.list(TEMPLATES)) {
            assertThat(folders).as("every folder of analysis-templates/ is applied")
                    .containsExactlyInAnyOrderElementsOf(dirs.filter(Files::isDirectory)
                            .map(p -> p.getFileName().toString()).toList());
        }
        Map<String, String> vars = QueryVariables.builtIns("demo", "podinfo", "podinfo", Duration.ofMinutes(1),
                new PodScope("^(podinfo-5d8f7c9b-)[a-z0-9]{5}$", "^(podinfo-primary-6d4cf56db6-)[a-z0-9]{5}$",
                        "^(edge-1)$", "^(edge-2)$"));
        int templates = 0;
        for (String folder : folders) {
            Path dir = TEMPLATES.resolve(folder);
            List<String> files = kustomizationResources(dir);
            try (Stream<Path> yaml = Files.list(dir)) {
                assertThat(files).as("every template in " + dir + " is applied")
                        .containsExactlyInAnyOrderElementsOf(yaml.map(p -> p.getFileName().toString())
                                .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).toList());
            }
            for (String file : files) {
                AnalysisTemplate t = Serialization.unmarshal(Files.readString(dir.resolve(file)),
                        AnalysisTemplate.class);
                assertThat(t.getMetadata().getName() + ".yaml").isEqualTo(file);
                Map<String, String> args = new java.util.HashMap<>();
                if (t.getSpec().getArgs() != null) {
                    t.getSpec().getArgs().stream().filter(a -> a.getValue() == null)
                            .forEach(a -> args.put(a.getName(), "x"));
                }
                var counts = t.getSpec().getCounts();
                for (String text : new String[]{t.getSpec().getQuery(), t.getSpec().getBaselineQuery(), counts == null
                        ? null
                        : counts.getRequests(), counts == null ? null : counts.getFailed()}) {
                    if (text == null) {
                        continue;
                    }
                    String query = QueryTemplate.render(text, QueryVariables.withArgs(vars, "m",
                            t.getMetadata().getName(), t.getSpec().getArgs(), args));
                    QueryResult result = prometheus.query(new PrometheusEndpoint(prometheusUrl, null,
                            Duration.ofSeconds(5)), query, Instant.now()).await().atMost(Duration.ofSeconds(10));
                    assertThat(result).as(file + " must be valid PromQL: " + query)
                            .isNotInstanceOf(QueryResult.Failure.class);
                }
                templates++;
            }
        }
        assertThat(templates).isEqualTo(16);
    }

    @Test
    void theExampleTemplatesRenderToPromQlThatPrometheusAccepts() throws IOException {
        List<io.fabric8.kubernetes.api.model.HasMetadata> objects = Serialization.unmarshal(
                Files.readString(DEPLOY.resolve("examples/podinfo-templates.yaml")));
        Map<String, String> vars = QueryVariables.builtIns("podinfo", "podinfo", "podinfo", Duration.ofMinutes(1),
                new PodScope("^(podinfo-5d8f7c9b-)[a-z0-9]{5}$", "^(podinfo-primary-6d4cf56db6-)[a-z0-9]{5}$",
                        "^$", "^$"));
        assertThat(objects).hasSize(2);
        for (var object : objects) {
            AnalysisTemplate t = Serialization.unmarshal(Serialization.asYaml(object), AnalysisTemplate.class);
            // podinfo's label for the status code is `status`; `code` would match nothing and hide every 5xx
            assertThat(t.getSpec().getQuery()).doesNotContain("code");
            String query = QueryTemplate.render(t.getSpec().getQuery(), vars);
            QueryResult result = prometheus.query(new PrometheusEndpoint(prometheusUrl, null, Duration.ofSeconds(5)),
                    query, Instant.now()).await().atMost(Duration.ofSeconds(10));
            assertThat(result).as(t.getMetadata().getName() + " must be valid PromQL: " + query)
                    .isNotInstanceOf(QueryResult.Failure.class);
        }
    }

    @Test
    void theReadmeExampleIsAValidCanary() throws IOException {
        Canary canary = Serialization.unmarshal(Files.readString(DEPLOY.resolve("examples/podinfo.yaml")),
                Canary.class);
        SpecValidator.Result r = SpecValidator.validate(canary.getSpec(),
                new SpecValidator.Defaults(Duration.ofMinutes(1), Duration.ofMinutes(10), 3, 3));
        assertThat(r.errors()).isEmpty();
        assertThat(r.policy().steps()).containsExactly(1, 10, 50, 100);
        assertThat(canary.getSpec().getAnalysis().getMetrics()).extracting(m -> m.getTemplateRef().getName())
                .containsExactly("podinfo-success-rate", "podinfo-duration-p99");
    }

    @Test
    void theSlackExampleIsAProviderWithItsAddressInASecret() throws IOException {
        List<io.fabric8.kubernetes.api.model.HasMetadata> objects = Serialization.unmarshal(
                Files.readString(DEPLOY.resolve("examples/slack.yaml")));
        assertThat(objects).hasSize(2);
        io.fabric8.kubernetes.api.model.Secret secret = (io.fabric8.kubernetes.api.model.Secret) objects.get(0);
        dev.aegis.canary.api.NotificationProvider provider = Serialization.unmarshal(Serialization.asYaml(objects
                .get(1)), dev.aegis.canary.api.NotificationProvider.class);
        assertThat(provider.getSpec().getType()).isEqualTo(
                dev.aegis.canary.api.NotificationProviderSpec.ProviderType.slack);
        assertThat(provider.getSpec().getSecretRef().getName()).isEqualTo(secret.getMetadata().getName());
        assertThat(secret.getStringData()).containsKey("address");
        assertThat(provider.getMetadata().getNamespace()).isEqualTo(secret.getMetadata().getNamespace());
    }
}
