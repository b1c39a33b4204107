package dev.aegis.canary.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * What the demo runs the controller against, started before the controller: an embedded Kubernetes API (fabric8's
 * mock server in CRUD mode, in-process, on loopback), the fleet simulator and a real Prometheus scraping it.
 */
public final class DemoEnvironment implements AutoCloseable {

    public static final String NAMESPACE = "demo";
    static final List<String> CRDS = List.of("canaries.canary.aegis.dev-v1.yml",
            "analysistemplates.canary.aegis.dev-v1.yml", "clusteranalysistemplates.canary.aegis.dev-v1.yml");

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final FleetSimulator fleet;
    private final PrometheusProcess prometheus;

    private DemoEnvironment(KubernetesMockServer server, KubernetesClient client, FleetSimulator fleet,
            PrometheusProcess prometheus) {
        this.server = server;
        this.client = client;
        this.fleet = fleet;
        this.prometheus = prometheus;
    }

    /** Starts everything and points the controller's configuration at it (system properties). */
    public static DemoEnvironment start() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(
                new io.fabric8.mockwebserver.Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded Kubernetes API", e);
        }
        String url = "http://127.0.0.1:" + server.getPort();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
                .withMasterUrl(url).withNamespace(NAMESPACE).withHttp2Disable(true).build()).build();
        for (String crd : CRDS) {
            try (InputStream in = DemoEnvironment.class.getResourceAsStream("/crds/" + crd)) {
                if (in == null) {
                    throw new IllegalStateException(
                            "CRD " + crd + " is not on the classpath; build with ./mvnw package");
                }
                client.resource(Serialization.unmarshal(in, CustomResourceDefinition.class)).create();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        FleetSimulator fleet = FleetSimulator.create(FleetSimulator.Options.defaults()).attach(client);
        PrometheusProcess prometheus = PrometheusProcess.start(fleet.serviceDiscoveryUrl(), Duration.ofSeconds(1));

        // The controller's Kubernetes client reads these (as it would a kubeconfig), and its own settings.
        System.setProperty("kubernetes.master", url);
        System.setProperty("kubernetes.namespace", NAMESPACE);
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.http2.disable", "true");
        System.setProperty("aegis.prometheus.url", prometheus.url());
        System.setProperty("aegis.reconcile.poll-interval", "500ms");
        System.setProperty("aegis.leader-election.enabled", "false");
        System.setProperty("quarkus.http.port", "0");
        System.setProperty("quarkus.log.level", "WARN");
        System.setProperty("quarkus.log.category.\"dev.aegis.canary.notify\".level", "ERROR");
        return new DemoEnvironment(server, client, fleet, prometheus);
    }

    /** A client of the embedded API for the demo's own actions (the controller has its own). */
    public KubernetesClient client() {
        return client;
    }

    public FleetSimulator fleet() {
        return fleet;
    }

    public PrometheusProcess prometheus() {
        return prometheus;
    }

    @Override
    public void close() {
        fleet.close();
        prometheus.close();
        client.close();
        server.destroy();
    }
}
