package dev.aegis.canary.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Controller-wide settings (application.properties, or environment variables such as AEGIS_PROMETHEUS_URL). Every key
 * has a default; a Canary overrides the analysis ones in its spec.
 */
@ConfigMapping(prefix = "aegis")
public interface AegisConfig {

    Prometheus prometheus();

    Controller controller();

    interface Controller {

        /** false for a command-line tool (backtest) run from the same artifact: no operator is started. */
        @WithDefault("true")
        boolean enabled();
    }

    /** The analysis defaults a Canary's spec overrides, as the spec validator takes them. */
    static dev.aegis.canary.rollout.SpecValidator.Defaults rolloutDefaults(AegisConfig config) {
        return new dev.aegis.canary.rollout.SpecValidator.Defaults(config.analysis().defaultInterval(),
                config.analysis().defaultProgressDeadline(), config.analysis().noDataLimit(),
                config.analysis().errorLimit(), config.traffic().deploymentRouter());
    }

    Analysis analysis();

    Traffic traffic();

    interface Traffic {

        /** The router of a Deployment's Canary that names none: replicas, gateway-api or nginx. */
        @WithDefault("replicas")
        dev.aegis.canary.api.RouterType deploymentRouter();
    }

    @WithName("notify")
    Notify notifications();

    Reconcile reconcile();

    @WithName("leader-election")
    LeaderElection leaderElection();

    interface Prometheus {

        /** The Prometheus a template without spec.prometheus.address asks. */
        @WithDefault("http://prometheus-operated.monitoring.svc:9090")
        String url();

        /** How long one query may take before the check counts as an error. */
        @WithDefault("5s")
        Duration timeout();

        /**
         * How often Prometheus scrapes the pods: a query's range is at least four of these. Unset: read from
         * Prometheus' configuration (global scrape_interval), or {@link #assumedScrapeInterval} when it does not say.
         */
        java.util.Optional<Duration> scrapeInterval();

        /** The scrape interval taken when it is neither set nor told by Prometheus (Thanos, Mimir, ...). */
        @WithDefault("15s")
        Duration assumedScrapeInterval();
    }

    interface Analysis {

        /** spec.analysis.interval when a Canary does not set it. */
        @WithDefault("1m")
        Duration defaultInterval();

        /** Checks in a row without data (no series, NaN) that roll back, unless a Canary sets its own. */
        @WithDefault("3")
        int noDataLimit();

        /** Checks in a row with a query error (timeout, HTTP error) that roll back, unless a Canary sets its own. */
        @WithDefault("3")
        int errorLimit();

        /** spec.progressDeadline when a Canary does not set it. */
        @WithDefault("10m")
        Duration defaultProgressDeadline();
    }

    interface Notify {

        /** The cluster's name in Events and notifications. */
        @WithDefault("kubernetes")
        String clusterName();

        /**
         * The NotificationProvider ("namespace/name", or "name" for the Canary's own namespace) of every Canary that
         * lists no spec.notifications; none by default.
         */
        java.util.Optional<String> defaultProvider();

        /** The severity the default provider is subscribed at. */
        @WithDefault("info")
        dev.aegis.canary.api.Severity defaultSeverity();

        /** How long one delivery attempt may take (a provider's spec.timeout overrides it). */
        @WithDefault("5s")
        Duration timeout();

        /** Attempts per message, the first included; 429, 5xx and network errors are retried. */
        @WithDefault("5")
        int maxAttempts();

        /** The wait before the second attempt; it doubles for each further one. */
        @WithDefault("1s")
        Duration initialBackoff();

        @WithDefault("1m")
        Duration maxBackoff();

        /** Messages waiting or being retried at most; more are dropped (and counted) rather than held in memory. */
        @WithDefault("1000")
        int maxPending();
    }

    interface LeaderElection {

        /** Two or more replicas elect a leader through a Lease; only the leader acts (prod profile only). */
        @WithDefault("true")
        boolean enabled();

        /** The Lease, in the controller's namespace. */
        @WithDefault("aegis-canary")
        String leaseName();

        /**
         * How long a Lease not renewed stays held: a killed leader's successor acts after at most this and one retry
         * period (the Operator SDK's default).
         */
        @WithDefault("15s")
        Duration leaseDuration();

        /** How long the leader keeps trying to renew before it gives up leading and exits. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often replicas try for the Lease, and the leader renews it. */
        @WithDefault("2s")
        Duration retryPeriod();
    }

    interface Reconcile {

        /** How often to look while waiting for readiness (workload events usually wake the controller sooner). */
        @WithDefault("5s")
        Duration pollInterval();

        /** How often to look at a Canary with nothing underway. */
        @WithDefault("5m")
        Duration idleResync();
    }
}
