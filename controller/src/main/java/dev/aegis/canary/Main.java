package dev.aegis.canary;

import java.util.List;
import java.util.OptionalInt;

import jakarta.inject.Inject;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

import dev.aegis.canary.cli.Commands;
import dev.aegis.canary.cli.Launch;

/**
 * The controller's entry point, and the image's. Without arguments it runs the controller against the cluster of its
 * kubeconfig or service account; {@code backtest} replays a Canary's checks over a past window of a Prometheus;
 * {@code status}, {@code pause}, {@code resume}, {@code promote}, {@code abort} and {@code retry} act on one Canary
 * through the kubeconfig. The demo and {@code simulate} are the tools module's ({@code dev.aegis.canary.tools}).
 */
@QuarkusMain
public class Main implements QuarkusApplication {

    @Inject
    Commands commands;

    public static void main(String... args) {
        OptionalInt verdict = Launch.preflight(List.of(args), Launch.Environment.current(), false, System.out,
                System.err);
        if (verdict.isPresent()) {
            System.exit(verdict.getAsInt()); // before anything started: no thread keeps the JVM up
        }
        Commands.prepare(args);
        Quarkus.run(Main.class, args);
    }

    @Override
    public int run(String... args) {
        return commands.run(args);
    }
}
