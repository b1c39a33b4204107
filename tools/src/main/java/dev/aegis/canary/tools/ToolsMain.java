package dev.aegis.canary.tools;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import jakarta.inject.Inject;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

import dev.aegis.canary.cli.Commands;
import dev.aegis.canary.cli.Launch;
import dev.aegis.canary.demo.Demo;
import dev.aegis.canary.demo.DemoEnvironment;
import dev.aegis.canary.scenario.RealCluster;
import dev.aegis.canary.scenario.SimulateCommand;
import dev.aegis.canary.scenario.SimulationCluster;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * The tools' entry point (tools/target/quarkus-app): the controller's commands, plus {@code demo}, which runs the
 * controller against an embedded Kubernetes API, a simulated fleet and a real Prometheus, and
 * {@code simulate SCENARIO.yaml}, which plays scenario files there and prints their timelines and a JSON summary.
 */
@QuarkusMain(name = "tools")
public class ToolsMain implements QuarkusApplication {

    private static volatile SimulationCluster environment;

    @Inject
    Demo demo;

    @Inject
    SimulateCommand simulate;

    @Inject
    Commands commands;

    public static void main(String... args) {
        List<String> arguments = List.of(args);
        OptionalInt verdict = Launch.preflight(arguments, Launch.Environment.current(), true, System.out, System.err);
        if (verdict.isEmpty()) {
            verdict = preflight(arguments, PrometheusProcess.locate(), System.err);
        }
        if (verdict.isPresent()) {
            System.exit(verdict.getAsInt()); // before anything started: no thread keeps the JVM up
        }
        if (args.length > 0 && Launch.TOOLS.contains(args[0])) {
            // Nothing has configured logging yet: without this, what the embedded API server starts logs every
            // DEBUG and TRACE line until Quarkus takes over.
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
            boolean realCluster = "simulate".equals(args[0]) && SimulateCommand.Options.of(arguments.subList(1,
                    args.length)).realCluster();
            // The embedded API server must be up before the Kubernetes client and the operator start.
            try {
                environment = realCluster
                        ? RealCluster.start(SimulateCommand.controlPlaneBin(), SimulateCommand.kubernetesPrometheus(),
                                Files.createTempDirectory("aegis-simulate-cluster-"))
                        : DemoEnvironment.start();
            } catch (RuntimeException | java.io.IOException e) {
                System.err.println("aegis-canary " + args[0] + ": " + String.valueOf(e.getMessage()).strip()
                        .replaceAll("\\s*\\R\\s*", " | "));
                System.exit(Launch.MISSING); // what started (the embedded API server's threads) ends with it
            }
            if (realCluster || "simulate".equals(args[0]) && SimulateCommand.restartsController(arguments.subList(1,
                    args.length))) {
                System.setProperty(Commands.CONTROLLER_ENABLED, "false"); // a process of its own runs it
            }
        } else {
            Commands.prepare(args);
        }
        Quarkus.run(ToolsMain.class, args);
    }

    /**
     * What demo and simulate need before anything starts: scenario files to play and a Prometheus. The exit code to end
     * with now (after printing one line), or empty to go on.
     */
    static OptionalInt preflight(List<String> args, Optional<Path> prometheus, PrintStream err) {
        String command = args.isEmpty() ? null : args.get(0);
        boolean realCluster = false;
        if ("simulate".equals(command)) {
            SimulateCommand.Options options;
            try {
                options = SimulateCommand.Options.of(args.subList(1, args.size()));
            } catch (IllegalArgumentException e) {
                err.println("aegis-canary " + e.getMessage());
                return OptionalInt.of(Launch.USAGE);
            }
            if (options.files().isEmpty()) {
                err.println("usage: aegis-canary simulate [--cluster embedded|real] SCENARIO.yaml...   "
                        + "(tools/scenarios/ holds a library of them)");
                return OptionalInt.of(Launch.USAGE);
            }
            realCluster = options.realCluster(); // its own Prometheus, with Kubernetes discovery, checked as it starts
        }
        if (command != null && Launch.TOOLS.contains(command) && !realCluster && prometheus.isEmpty()) {
            err.println("aegis-canary " + command + ": " + PrometheusProcess.NOT_FOUND);
            return OptionalInt.of(Launch.MISSING);
        }
        return OptionalInt.empty();
    }

    @Override
    public int run(String... args) {
        if (environment != null) {
            try {
                return "simulate".equals(args[0])
                        ? simulate.run(Arrays.asList(args).subList(1, args.length), environment, System.out,
                                System.err)
                        : demo.run((DemoEnvironment) environment);
            } finally {
                environment.close();
            }
        }
        return commands.run(args);
    }
}
