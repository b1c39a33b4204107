package dev.aegis.canary.demo;

import java.time.Duration;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.scenario.ScenarioRunner;
import dev.aegis.canary.scenario.SimulationCluster;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * What the demo runs the controller against, started before the controller: an embedded Kubernetes API (fabric8's
 * mock server in CRUD mode, in-process, on loopback), the fleet simulator and a real Prometheus scraping it.
 */
public final class DemoEnvironment implements SimulationCluster {

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
        KubernetesClient client = api.client("demo", NAMESPACE);
        FleetSimulator fleet = FleetSimulator.create(FleetSimulator.Options.defaults()).attach(client);
        PrometheusProcess prometheus = PrometheusProcess.start(fleet.serviceDiscoveryUrl(), Duration.ofSeconds(1));

        DemoEnvironment env = new DemoEnvironment(api, client, fleet, prometheus);
        env.controllerSettings().forEach(System::setProperty);
        return env;
    }

    /**
     * What points a controller at this environment, as system properties (the Kubernetes client reads them as it
     * would a kubeconfig): the embedded API with the controller's token, the Prometheus, and its own settings.
     */
    @Override
    public Map<String, String> controllerSettings() {
        Map<String, String> settings = SimulationCluster.controllerSettings(api.url(), NAMESPACE, CONTROLLER, null,
                prometheus.url());
        settings.put("kubernetes.http2.disable", "true");
        return settings;
    }

    /** A client of the embedded API for the demo's own actions (the controller has its own). */
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

    @Override
    public boolean separateController() {
        return false;
    }

    @Override
    public ScenarioRunner.Nodes nodes() {
        return ScenarioRunner.SIMULATED_NODES;
    }

    /** How many requests the controller made to the API so far. */
    @Override
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
