package dev.aegis.canary.demo;

import java.time.Duration;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * What the demo runs the controller against, started before the controller: an embedded Kubernetes API (fabric8's
 * mock server in CRUD mode, in-process, on loopback), the fleet simulator and a real Prometheus scraping it.
 */
public final class DemoEnvironment implements AutoCloseable {

    public static final String NAMESPACE = "demo";

    /** The token the controller authenticates with, which tells its requests from the simulation's. */
    public static final String CONTROLLER = "aegis-canary";

    private final EmbeddedApiServer api;
    private final KubernetesClient client;
    private final FleetSimulator fleet;
    private final PrometheusProcess prometheus;

    private DemoEnvironment(EmbeddedApiServer api, KubernetesClient client, FleetSimulator fleet,
            PrometheusProcess prometheus) {
        this.api = api;
        this.client = client;
        this.fleet = fleet;
        this.prometheus = prometheus;
    }

    /** Starts everything and points the controller's configuration at it (system properties). */
    public static DemoEnvironment start() {
        EmbeddedApiServer api = EmbeddedApiServer.start(false);
        String url = api.url();
        KubernetesClient client = api.client("demo", NAMESPACE);
        FleetSimulator fleet = FleetSimulator.create(FleetSimulator.Options.defaults()).attach(client);
        PrometheusProcess prometheus = PrometheusProcess.start(fleet.serviceDiscoveryUrl(), Duration.ofSeconds(1));

        // The controller's Kubernetes client reads these (as it would a kubeconfig), and its own settings.
        System.setProperty("kubernetes.master", url);
        System.setProperty("kubernetes.namespace", NAMESPACE);
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.auth.token", CONTROLLER);
        System.setProperty("quarkus.kubernetes-client.token", CONTROLLER);
        System.setProperty("kubernetes.http2.disable", "true");
        System.setProperty("aegis.prometheus.url", prometheus.url());
        System.setProperty("aegis.reconcile.poll-interval", "500ms");
        System.setProperty("aegis.leader-election.enabled", "false");
        System.setProperty("quarkus.http.port", "0");
        System.setProperty("quarkus.log.level", "WARN");
        System.setProperty("quarkus.log.category.\"dev.aegis.canary.notify\".level", "ERROR");
        return new DemoEnvironment(api, client, fleet, prometheus);
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

    /** How many requests the controller made to the API so far. */
    public long controllerRequests() {
        return api.count(CONTROLLER);
    }

    @Override
    public void close() {
        fleet.close();
        prometheus.close();
        client.close();
        api.close();
    }
}
