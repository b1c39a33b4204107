package dev.aegis.canary.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * The fleet simulator's pods and a real Prometheus (Debian's package) scraping them every 500 ms, started before the
 * application so the controller's aegis.prometheus.url points at it. Tests get both through {@link Fleet}.
 */
public class TestFleet implements QuarkusTestResourceLifecycleManager {

    /** Injects the {@link FleetSimulator} or the {@link PrometheusProcess} into a test's field. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Fleet {
    }

    static final Duration SCRAPE_INTERVAL = Duration.ofMillis(500);

    private FleetSimulator fleet;
    private PrometheusProcess prometheus;

    @Override
    public Map<String, String> start() {
        fleet = FleetSimulator.create(new FleetSimulator.Options(50, List.of("node-a", "node-b", "node-c"),
                Duration.ofMillis(100)));
        prometheus = PrometheusProcess.start(fleet.serviceDiscoveryUrl(), SCRAPE_INTERVAL);
        return Map.of("aegis.prometheus.url", prometheus.url());
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(fleet, new TestInjector.AnnotatedAndMatchesType(Fleet.class, FleetSimulator.class));
        injector.injectIntoFields(prometheus, new TestInjector.AnnotatedAndMatchesType(Fleet.class,
                PrometheusProcess.class));
    }

    @Override
    public void stop() {
        if (fleet != null) {
            fleet.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
    }
}
