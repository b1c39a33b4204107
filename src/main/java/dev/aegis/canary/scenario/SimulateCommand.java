package dev.aegis.canary.scenario;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.demo.DemoEnvironment;

/**
 * {@code simulate SCENARIO.yaml}: plays a scenario with the real controller against the embedded Kubernetes API, the
 * fleet simulator and a real Prometheus (the demo's environment), prints the timeline as it happens and a JSON
 * summary at the end. Exit code 0 when the outcome is the expected one, 1 when it is not, 2 for bad input.
 */
@ApplicationScoped
public class SimulateCommand {

    /** A scenario file, read and checked; bad input names the field. */
    public static Scenario read(Path file) throws IOException {
        Scenario s;
        try {
            s = Serialization.unmarshal(Files.readString(file), Scenario.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a scenario: " + rootMessage(e));
        }
        if (s == null) {
            throw new IllegalArgumentException(file + " is empty");
        }
        List<String> problems = s.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        }
        return s;
    }

    public int run(List<String> args, DemoEnvironment env, PrintStream out, PrintStream err) {
        if (args.size() != 1) {
            err.println("usage: simulate SCENARIO.yaml   (scenarios/ holds a library of them)");
            return 2;
        }
        Scenario scenario;
        try {
            scenario = read(Path.of(args.get(0)));
        } catch (IOException e) {
            err.println("cannot read " + args.get(0) + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        out.println("scenario " + scenario.name() + (scenario.description() == null
                ? ""
                : ": " + scenario.description().strip()));
        out.printf("time scale %s: scenario times below; the run takes 1/%s of them%n", scenario.scale(),
                scenario.scale());
        Summary summary = new ScenarioRunner(env.client(), env.fleet(), env.prometheus(), out::println)
                .run(scenario, "sim-" + scenario.name());
        out.println(Serialization.asJson(summary));
        return summary.passed() ? 0 : 1;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        int at = message.indexOf(" (through reference chain");
        return at > 0 ? message.substring(0, at) : message;
    }
}
