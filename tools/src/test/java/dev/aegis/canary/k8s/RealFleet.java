package dev.aegis.canary.k8s;

import java.time.Duration;
import java.util.List;

import dev.aegis.canary.CurrentPrometheus;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * Traffic for the real control plane's pods: the fleet simulator plays only what the pods serve (the real controllers
 * make them, kwok runs them), and a real Prometheus finds them through the API server (kubernetes_sd_configs, role
 * pod) and scrapes each at the simulator every second. That Prometheus is 3.x, built from its Go module (Debian's has
 * no Kubernetes discovery). One per test JVM, stopped at exit.
 */
final class RealFleet {

    static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);

    private static RealFleet shared;

    final ControlPlane plane;
    final FleetSimulator traffic;
    final PrometheusProcess prometheus;

    private RealFleet(ControlPlane plane, FleetSimulator traffic, PrometheusProcess prometheus) {
        this.plane = plane;
        this.traffic = traffic;
        this.prometheus = prometheus;
    }

    static synchronized RealFleet shared() {
        if (shared == null) {
            ControlPlane plane = ControlPlane.shared();
            FleetSimulator traffic = FleetSimulator.create(new FleetSimulator.Options(50, List.of(),
                    Duration.ofMillis(100))).observe(plane.client());
            PrometheusProcess prometheus = PrometheusProcess.startKubernetes(CurrentPrometheus.binary(),
                    plane.prometheusAccess(), traffic.metricsAddress(), SCRAPE_INTERVAL);
            shared = new RealFleet(plane, traffic, prometheus);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                prometheus.close();
                traffic.close();
            }, "realfleet-stop"));
        }
        return shared;
    }
}
