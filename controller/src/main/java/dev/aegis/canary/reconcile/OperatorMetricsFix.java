package dev.aegis.canary.reconcile;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetricsV2;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Two fixes to the Operator SDK's metrics (reconciliations.*, events.received: the queue, the reconcile durations).
 *
 * <p>
 * The Quarkus extension (7.7.3) hands the operator its Micrometer metrics from a MeterBinder that, in a packaged
 * (prod) application, has not been bound yet when the operator is configured: the operator gets Metrics.NOOP and
 * /q/metrics has none of them (quarkiverse/quarkus-operator-sdk#1385, fixed upstream by #1389 in a release newer than
 * the reachable Central has). Built from the registry itself, they are there in every profile.
 *
 * <p>
 * The Java Operator SDK (5.3) records {@code events.received} with an {@code action} tag for Canary events and
 * without one for timer and secondary-resource events. The Prometheus registry refuses a meter whose tag keys differ
 * between registrations and throws, which drops the event (a rescheduled reconcile would never run). Giving every
 * such meter an {@code action} keeps the tag keys the same.
 */
public class OperatorMetricsFix {

    static final String EVENTS_RECEIVED = "events.received";

    /** Replaces the extension's default bean, which is Metrics.NOOP in prod. */
    @Produces
    @Singleton
    Metrics operatorMetrics(MeterRegistry registry) {
        return MicrometerMetricsV2.newBuilder(registry).build();
    }

    @Produces
    @Singleton
    MeterFilter defaultActionTag() {
        return new MeterFilter() {

            @Override
            public Meter.Id map(Meter.Id id) {
                if (EVENTS_RECEIVED.equals(id.getName()) && id.getTag("action") == null) {
                    return id.withTag(Tag.of("action", "NONE"));
                }
                return id;
            }
        };
    }
}
