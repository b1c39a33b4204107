package dev.aegis.canary;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

import dev.aegis.canary.backtest.BacktestCommand;
import dev.aegis.canary.cli.ControlCommand;
import dev.aegis.canary.cli.Launch;
import dev.aegis.canary.demo.Demo;
import dev.aegis.canary.demo.DemoEnvironment;
import dev.aegis.canary.scenario.SimulateCommand;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * The controller's entry point. Without arguments it runs the controller against the cluster of its kubeconfig or
 * service account; {@code demo} runs it against an embedded Kubernetes API, a simulated fleet and a real Prometheus;
 * {@code simulate SCENARIO.yaml} plays a scenario file there and prints its timeline and a JSON summary;
 * {@code backtest} replays a Canary's checks over a past window of a Prometheus; {@code status}, {@code pause},
 * {@code resume}, {@code promote}, {@code abort} and {@code retry} act on one Canary through the kubeconfig.
 */
@QuarkusMain
public class Main implements QuarkusApplication {

    private static volatile DemoEnvironment demoEnvironment;

    /** Set before Quarkus starts to keep the operator (and the HTTP server) off for a command-line tool. */
    public static final String CONTROLLER_ENABLED = "aegis.controller.enabled";

    @Inject
    Demo demo;

    @Inject
    BacktestCommand backtest;

    @Inject
    SimulateCommand simulate;

    /** Only the control commands need it; looked up lazily so backtest never builds a client. */
    @Inject
    Instance<KubernetesClient> client;

    public static void main(String... args) {
        Map<String, String> properties = new HashMap<>();
        System.getProperties().forEach((k, v) -> properties.put(String.valueOf(k), String.valueOf(v)));
        if (System.getenv("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL") != null) {
            properties.put("kubernetes.master", System.getenv("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL"));
        }
        properties.computeIfAbsent("kubernetes.master",
                k -> properties.get("quarkus.kubernetes-client.api-server-url"));
        OptionalInt verdict = Launch.preflight(List.of(args), new Launch.Environment(System.getenv(), properties,
                home(), PrometheusProcess.locate()), System.out, System.err);
        if (verdict.isPresent()) {
            System.exit(verdict.getAsInt()); // before anything started: no thread keeps the JVM up
        }
        if (args.length > 0 && ("demo".equals(args[0]) || "simulate".equals(args[0]))) {
            // Nothing has configured logging yet: without this, what the embedded API server starts logs every
            // DEBUG and TRACE line until Quarkus takes over.
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
            // The embedded API server must be up before the Kubernetes client and the operator start.
            try {
                demoEnvironment = DemoEnvironment.start();
            } catch (RuntimeException e) {
                System.err.println("aegis-canary " + args[0] + ": " + String.valueOf(e.getMessage()).strip()
                        .replaceAll("\\s*\\R\\s*", " | "));
                System.exit(Launch.MISSING); // what started (the embedded API server's threads) ends with it
            }
            if ("simulate".equals(args[0])
                    && SimulateCommand.restartsController(java.util.Arrays.asList(args).subList(1, args.length))) {
                System.setProperty(CONTROLLER_ENABLED, "false"); // a process of its own runs it, to be killed
            }
        } else if (args.length > 0 && ("backtest".equals(args[0]) || ControlCommand.COMMANDS.contains(args[0]))) {
            // A tool, not the controller: no cluster, no operator, no HTTP port, only warnings in the log.
            System.setProperty(CONTROLLER_ENABLED, "false");
            System.setProperty("quarkus.http.host-enabled", "false");
            System.setProperty("quarkus.log.level", "WARN");
            System.setProperty("quarkus.banner.enabled", "false");
        }
        Quarkus.run(Main.class, args);
    }

    /** The home directory as the Kubernetes client finds ~/.kube/config: $HOME when it exists, else user.home. */
    private static Path home() {
        String home = System.getenv("HOME");
        return home != null && !home.isBlank() && java.nio.file.Files.isDirectory(Path.of(home))
                ? Path.of(home)
                : Path.of(System.getProperty("user.home"));
    }

    @Override
    public int run(String... args) {
        if (demoEnvironment != null) {
            try {
                return "simulate".equals(args[0])
                        ? simulate.run(java.util.Arrays.asList(args).subList(1, args.length), demoEnvironment,
                                System.out, System.err)
                        : demo.run(demoEnvironment);
            } finally {
                demoEnvironment.close();
            }
        }
        if (args.length > 0 && "backtest".equals(args[0])) {
            return backtest.run(java.util.Arrays.asList(args).subList(1, args.length), System.out, System.err);
        }
        if (args.length > 0 && ControlCommand.COMMANDS.contains(args[0])) {
            return new ControlCommand(client.get(), System.out, System.err).run(java.util.Arrays.asList(args));
        }
        Quarkus.waitForExit();
        return 0;
    }
}
