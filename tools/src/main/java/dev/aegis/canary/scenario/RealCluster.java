package dev.aegis.canary.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.k8s.ControlPlane;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * {@code simulate --cluster real}: a real control plane of its own (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kwok; tools/controlplane/build.sh builds them), the project's CRDs, the fleet simulator serving only
 * the traffic of the pods the real controllers make and kwok runs, and a Prometheus 3.x that finds them through the
 * API server. The controller runs in a process of its own, as a ServiceAccount's token.
 */
public final class RealCluster implements SimulationCluster {

    static final String NAMESPACE = "aegis-system";
    static final String SERVICE_ACCOUNT = "aegis-canary";
    static final List<String> CRDS = List.of("canaries", "analysistemplates", "clusteranalysistemplates",
            "notificationproviders");

    /** kwok's nodes: made as kwok plays them; NotReady by kwok no longer playing one, as a kubelet gone silent. */
    static final ScenarioRunner.Nodes KWOK_NODES = new ScenarioRunner.Nodes() {

        @Override
        public Node node(String name, Map<String, String> labels) {
            return ControlPlane.fakeNode(name, labels);
        }

        @Override
        public void setReady(KubernetesClient client, String node, boolean ready) {
            String annotation = ready ? "\"fake\"" : "null";
            client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"annotations\":{\"" + ControlPlane.KWOK_NODE_ANNOTATION + "\":" + annotation
                            + "}}}");
            ScenarioRunner.setReadyCondition(client, node, ready);
        }
    };

    private final ControlPlane plane;
    private final KubernetesClient client;
    private final FleetSimulator fleet;
    private final PrometheusProcess prometheus;
    private final String token;

    private RealCluster(ControlPlane plane, KubernetesClient client, FleetSimulator fleet,
            PrometheusProcess prometheus, String token) {
        this.plane = plane;
        this.client = client;
        this.fleet = fleet;
        this.prometheus = prometheus;
        this.token = token;
    }

    /**
     * Starts it all; on failure stops what started and throws with one line naming what is missing.
     *
     * @param bin the control plane's binaries (tools/controlplane/build.sh)
     * @param prometheusBinary a Prometheus with Kubernetes discovery (tools/prometheus/build.sh)
     * @param root where its certificates, etcd's data and the components' logs go
     */
    public static RealCluster start(Path bin, Path prometheusBinary, Path root) {
        return start(bin, prometheusBinary, root, Duration.ofSeconds(1), Duration.ofMillis(100));
    }

    /**
     * As {@link #start(Path, Path, Path)}, with Prometheus scraping every pod every {@code scrapeInterval} and the
     * simulator's traffic moving every {@code trafficTick} (thousands of pods need both slower than a scenario's).
     */
    public static RealCluster start(Path bin, Path prometheusBinary, Path root, Duration scrapeInterval,
            Duration trafficTick) {
        if (!Files.isExecutable(prometheusBinary)) {
            throw new IllegalStateException(prometheusBinary + " is missing: a Prometheus with Kubernetes discovery "
                    + "is needed (tools/prometheus/build.sh builds one; ./mvnw verify runs it)");
        }
        ControlPlane plane = ControlPlane.start(bin, root);
        KubernetesClient client = null;
        FleetSimulator fleet = null;
        try {
            client = plane.client();
            installCrds(client);
            String token = controllerToken(client);
            fleet = FleetSimulator.create(new FleetSimulator.Options(50, List.of(), trafficTick)).observe(client);
            PrometheusProcess prometheus = PrometheusProcess.startKubernetes(prometheusBinary,
                    plane.prometheusAccess(), fleet.metricsAddress(), scrapeInterval);
            return new RealCluster(plane, client, fleet, prometheus, token);
        } catch (RuntimeException e) {
            if (fleet != null) {
                fleet.close();
            }
            if (client != null) {
                client.close();
            }
            plane.close();
            throw e;
        }
    }

    /** The CRDs the build generated (on the classpath under crds/, as deploy/crds holds them), Established. */
    static void installCrds(KubernetesClient client) {
        for (String name : CRDS) {
            String resource = "/crds/" + name + ".canary.aegis.dev-v1.yml";
            try (InputStream in = RealCluster.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is not on the classpath");
                }
                client.resource(Serialization.unmarshal(in, CustomResourceDefinition.class)).serverSideApply();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Awaitility.await("the CRDs of canary.aegis.dev Established").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> CRDS.stream().allMatch(name -> {
                    CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                            .withName(name + ".canary.aegis.dev").get();
                    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions().stream()
                            .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
                }));
    }

    /**
     * A ServiceAccount's token for the controller, bound to cluster-admin: a local, throwaway cluster (deploy/'s
     * least-privilege ClusterRole is the real-cluster tests' business, RealRbacIT's).
     */
    static String controllerToken(KubernetesClient client) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
                .build()).serverSideApply();
        client.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName(SERVICE_ACCOUNT).endMetadata().build()).serverSideApply();
        client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
                .withName("aegis-canary-simulate").endMetadata().withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("cluster-admin")
                .endRoleRef().addNewSubject().withKind("ServiceAccount").withName(SERVICE_ACCOUNT)
                .withNamespace(NAMESPACE).endSubject().build()).serverSideApply();
        return client.serviceAccounts().inNamespace(NAMESPACE).withName(SERVICE_ACCOUNT)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec()
                        .build())
                .getStatus().getToken();
    }

    @Override
    public Map<String, String> controllerSettings() {
        return SimulationCluster.controllerSettings(plane.url(), NAMESPACE, token, plane.caCert(), prometheus.url());
    }

    /** The control plane itself: its nodes, its audit log. */
    public ControlPlane plane() {
        return plane;
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    @Override
    public FleetSimulator fleet() {
        return fleet;
    }

    @Override
    public PrometheusProcess prometheus() {
        return prometheus;
    }

    /** Not counted here: the API server's audit log has them (its logs directory). */
    @Override
    public long controllerRequests() {
        return -1;
    }

    @Override
    public boolean separateController() {
        return true;
    }

    @Override
    public ScenarioRunner.Nodes nodes() {
        return KWOK_NODES;
    }

    @Override
    public void close() {
        prometheus.close();
        fleet.close();
        client.close();
        plane.close();
    }
}
