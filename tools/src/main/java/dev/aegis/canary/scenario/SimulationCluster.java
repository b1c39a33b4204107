package dev.aegis.canary.scenario;

import java.nio.file.Path;
import java.util.LinkedHashMap;
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

    /**
     * The settings both clusters give their controller: the API server, its namespace and a token, the CA it trusts
     * (null: none to name), Prometheus; no kubeconfig or in-cluster account, the poll interval the scenarios are
     * written for, no Lease (a restarted controller acts at once), and only warnings in the log.
     */
    static Map<String, String> controllerSettings(String master, String namespace, String token, Path caFile,
            String prometheusUrl) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kubernetes.master", master);
        settings.put("kubernetes.namespace", namespace);
        settings.put("kubernetes.auth.tryKubeConfig", "false");
        settings.put("kubernetes.auth.tryServiceAccount", "false");
        settings.put("kubernetes.auth.token", token);
        settings.put("quarkus.kubernetes-client.token", token);
        if (caFile != null) {
            settings.put("kubernetes.certs.ca.file", caFile.toString());
            settings.put("quarkus.kubernetes-client.ca-cert-file", caFile.toString());
        }
        settings.put("aegis.prometheus.url", prometheusUrl);
        settings.put("aegis.reconcile.poll-interval", "500ms");
        settings.put("aegis.leader-election.enabled", "false");
        settings.put("quarkus.http.port", "0");
        settings.put("quarkus.log.level", "WARN");
        settings.put("quarkus.log.category.\"dev.aegis.canary.notify\".level", "ERROR");
        return settings;
    }

    /** How many requests the controller made so far; negative where they are not counted. */
    long controllerRequests();

    /** True when the controller always runs in a process of its own (never in simulate's). */
    boolean separateController();

    /** How the cluster's nodes register and fail. */
    ScenarioRunner.Nodes nodes();

    @Override
    void close();
}
