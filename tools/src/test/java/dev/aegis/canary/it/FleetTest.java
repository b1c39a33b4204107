package dev.aegis.canary.it;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.sim.FleetSimulator;

/** What a controller test works with: the test server's client, and the simulated fleet playing that cluster. */
abstract class FleetTest {

    @Inject
    KubernetesClient client;

    @TestFleet.Fleet
    FleetSimulator fleet;

    @BeforeEach
    void attachFleet() {
        fleet.attach(client);
    }
}
