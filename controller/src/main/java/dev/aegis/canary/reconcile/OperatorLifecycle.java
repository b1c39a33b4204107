package dev.aegis.canary.reconcile;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.aegis.canary.config.AegisConfig;

/**
 * Starts the operator when the application starts, whatever command runs (the controller, the demo) and in tests.
 * The Quarkus Operator SDK only does this itself for applications without a main class, and this one has one.
 */
@ApplicationScoped
public class OperatorLifecycle {

    private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

    private final Operator operator;
    private final AegisConfig config;
    private final Leadership leadership;

    public OperatorLifecycle(Operator operator, AegisConfig config, Leadership leadership) {
        this.operator = operator;
        this.config = config;
        this.leadership = leadership;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 200) StartupEvent event) {
        if (!config.controller().enabled()) {
            return; // a command-line tool (backtest) runs in this process
        }
        LOG.info("starting the canary controller");
        operator.start();
        if (operator.getConfigurationService().getLeaderElectionConfiguration().isEmpty()) {
            leadership.started(); // one replica, no election: it acts from the start
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (!config.controller().enabled()) {
            return;
        }
        operator.stop();
    }
}
