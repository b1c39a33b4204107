package dev.aegis.canary.reconcile;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;

/**
 * The controller's own metrics at /q/metrics, per Canary: weights, phase (one series per phase, 1 for the current),
 * last analysis values, promotions, rollbacks, checks and reconcile duration.
 */
@ApplicationScoped
public class CanaryMetrics {

    private final MeterRegistry registry;
    private final Map<String, PerCanary> canaries = new ConcurrentHashMap<>();

    public CanaryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Gauge values of one Canary, read by Micrometer when scraped. */
    private static final class PerCanary {

        final Tags tags;
        final Map<String, double[]> analysis = new ConcurrentHashMap<>();
        volatile double weight;
        volatile double effectiveWeight;
        volatile Phase phase;

        PerCanary(Tags tags) {
            this.tags = tags;
        }
    }

    private PerCanary of(String namespace, String name) {
        return canaries.computeIfAbsent(namespace + "/" + name, key -> {
            PerCanary c = new PerCanary(Tags.of("namespace", namespace, "name", name));
            Gauge.builder("aegis.canary.weight", c, x -> x.weight).tags(c.tags)
                    .description("The current step's canary weight, in percent").register(registry);
            Gauge.builder("aegis.canary.effective.weight", c, x -> x.effectiveWeight).tags(c.tags)
                    .description("The canary weight the router achieved, in percent").register(registry);
            for (Phase p : Phase.values()) {
                Gauge.builder("aegis.canary.phase", c, x -> x.phase == p ? 1 : 0)
                        .tags(c.tags.and("phase", p.name()))
                        .description("1 for the Canary's current phase, 0 for the others").register(registry);
            }
            return c;
        });
    }

    public void recordStatus(String namespace, String name, CanaryStatus status) {
        PerCanary c = of(namespace, name);
        c.weight = status.getWeight() == null ? 0 : status.getWeight();
        c.effectiveWeight = status.getEffectiveWeight() == null ? 0 : status.getEffectiveWeight();
        c.phase = status.getPhase();
    }

    public void recordAnalysis(String namespace, String name, List<MetricResult> results) {
        PerCanary c = of(namespace, name);
        for (MetricResult r : results) {
            double[] holder = c.analysis.computeIfAbsent(r.getMetric(), metric -> {
                double[] h = {Double.NaN};
                Gauge.builder("aegis.canary.analysis.value", h, x -> x[0])
                        .tags(c.tags.and("metric", metric))
                        .description("The metric's value at the last check (NaN without data)").register(registry);
                return h;
            });
            holder[0] = r.getValue() == null ? Double.NaN : r.getValue();
            counter("aegis.canary.checks", c.tags.and("metric", r.getMetric(), "result", r.getResult().name()),
                    "Metric checks by result").increment();
        }
    }

    public void countPromotion(String namespace, String name) {
        counter("aegis.canary.promotions", of(namespace, name).tags, "Revisions promoted").increment();
    }

    public void countRollback(String namespace, String name) {
        counter("aegis.canary.rollbacks", of(namespace, name).tags, "Revisions rolled back").increment();
    }

    public void recordReconcile(String namespace, String name, Duration took) {
        Timer.builder("aegis.canary.reconcile.duration").tags(of(namespace, name).tags)
                .description("Time one reconcile of the Canary took").register(registry).record(took);
    }

    private Counter counter(String meter, Tags tags, String description) {
        return Counter.builder(meter).tags(tags).description(description).register(registry);
    }

    /** Drops every series of a deleted Canary. */
    public void forget(String namespace, String name) {
        PerCanary c = canaries.remove(namespace + "/" + name);
        if (c == null) {
            return;
        }
        List<Meter> meters = registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("aegis.canary.") && c.tags.stream()
                        .allMatch(t -> t.getValue().equals(m.getId().getTag(t.getKey()))))
                .toList();
        meters.forEach(registry::remove);
    }
}
