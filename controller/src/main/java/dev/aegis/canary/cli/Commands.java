package dev.aegis.canary.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.Quarkus;

import dev.aegis.canary.backtest.BacktestCommand;

/**
 * The controller artifact's commands once Quarkus runs: the controller itself (until the process is told to stop),
 * {@code backtest}, and the control commands. The tools' application runs these too, beside demo and simulate.
 */
@ApplicationScoped
public class Commands {

    /** Set before Quarkus starts to keep the operator (and the HTTP server) off for a command-line tool. */
    public static final String CONTROLLER_ENABLED = "aegis.controller.enabled";

    private final BacktestCommand backtest;
    /** Only the control commands need it; looked up lazily so backtest never builds a client. */
    private final Instance<KubernetesClient> client;

    public Commands(BacktestCommand backtest, Instance<KubernetesClient> client) {
        this.backtest = backtest;
        this.client = client;
    }

    /**
     * What a command-line tool sets before Quarkus starts: no operator, no HTTP port, only warnings in the log. The
     * controller (no command) sets nothing.
     */
    public static void prepare(String... args) {
        if (args.length > 0 && ("backtest".equals(args[0]) || ControlCommand.COMMANDS.contains(args[0]))) {
            System.setProperty(CONTROLLER_ENABLED, "false");
            System.setProperty("quarkus.http.host-enabled", "false");
            System.setProperty("quarkus.log.level", "WARN");
            System.setProperty("quarkus.banner.enabled", "false");
        }
    }

    public int run(List<String> args, PrintStream out, PrintStream err) {
        if (!args.isEmpty() && "backtest".equals(args.get(0))) {
            return backtest.run(args.subList(1, args.size()), out, err);
        }
        if (!args.isEmpty() && ControlCommand.COMMANDS.contains(args.get(0))) {
            return new ControlCommand(client.get(), out, err).run(args);
        }
        Quarkus.waitForExit();
        return 0;
    }

    public int run(String... args) {
        return run(Arrays.asList(args), System.out, System.err);
    }
}
