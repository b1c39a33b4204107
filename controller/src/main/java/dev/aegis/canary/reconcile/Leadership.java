package dev.aegis.canary.reconcile;

import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * Whether this replica is the one that acts: the Lease holder, or the only replica where there is no election.
 * Exported as {@code aegis_controller_leader} (1 or 0): with two replicas its sum is 1, and 0 means no replica acts
 * (deploy/monitoring alerts on that).
 */
@ApplicationScoped
@Startup // the gauge exists from the start, on a follower too (0)
public class Leadership {

    // The methods the leader election calls back are public: a package-private one would run on the client proxy.

    private final AtomicInteger leading = new AtomicInteger();

    public Leadership(MeterRegistry registry) {
        Gauge.builder("aegis.controller.leader", leading, AtomicInteger::get)
                .description("1 while this replica leads (acts on Canaries), else 0").register(registry);
    }

    public void started() {
        leading.set(1);
    }

    public void stopped() {
        leading.set(0);
    }
}
