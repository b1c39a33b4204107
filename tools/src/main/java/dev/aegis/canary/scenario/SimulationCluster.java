package dev.aegis.canary.scenario;

import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * Where {@code simulate} plays: the embedded API server with the fleet simulator playing the cluster (the default), or
 * a real control plane whose own controllers and kwok nodes do, the simulator serving only the pods' traffic.
 */
public interface SimulationCluster extends AutoCloseable {

    /** A client for the scenario's own actions, as Git and the cluster's operators would act. */
    KubernetesClient client();

    FleetSimulator fleet();

    PrometheusProcess prometheus();

    /** What points a controller process at this cluster, as system properties. */
    Map<String, String> controllerSettings();

    /** How many requests the controller made so far; negative where they are not counted. */
    long controllerRequests();

    /** True when the controller always runs in a process of its own (never in simulate's). */
    boolean separateController();

    /** How the cluster's nodes register and fail. */
    ScenarioRunner.Nodes nodes();

    @Override
    void close();
}
