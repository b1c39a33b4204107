package dev.aegis.canary.reconcile;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * The Java Operator SDK (5.3) records {@code events.received} with an {@code action} tag for Canary events and
 * without one for timer and secondary-resource events. The Prometheus registry refuses a meter whose tag keys differ
 * between registrations and throws, which drops the event (a rescheduled reconcile would never run). Giving every
 * such meter an {@code action} keeps the tag keys the same.
 */
public class OperatorMetricsFix {

    static final String EVENTS_RECEIVED = "events.received";

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
