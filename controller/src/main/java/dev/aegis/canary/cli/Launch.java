package dev.aegis.canary.cli;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What the command line decides before anything is started (no Quarkus, no embedded API server, no thread): help,
 * an unknown command, and a prerequisite that is missing. Each ends the process at once with one line and an exit
 * code; anything else goes on.
 */
public final class Launch {

    public static final int OK = 0;
    public static final int MISSING = 1;
    public static final int USAGE = 2;

    static final Set<String> HELP = Set.of("--help", "-h", "help");

    /**
     * Set by the build for the run that writes Quarkus's AppCDS archive (-Pbench-startup, or an image build that
     * wants one): the application is launched without a cluster, only to load its classes.
     */
    static final String ARCHIVE_TRAINING = "quarkus.appcds.generate";

    /** The commands of the tools module's application (tools/), which the controller's artifact does not hold. */
    public static final Set<String> TOOLS = Set.of("demo", "simulate");

    static final String USAGE_TEXT = """
            usage: aegis-canary [COMMAND] [ARGS]
            Progressive delivery for Kubernetes: moves a new version of a Deployment, DaemonSet or StatefulSet
            through traffic steps, judges each with Prometheus, promotes it or rolls it back.

            commands:
              (none)      run the controller against the cluster of the in-cluster service account, $KUBECONFIG
                          or ~/.kube/config (kubernetes.master overrides); settings: aegis.* (docs/operations.md)
            """;

    static final String TOOLS_TEXT = """
              demo        the controller on an embedded Kubernetes API, a simulated fleet and a real Prometheus:
                          a healthy and a bad release of a Deployment, then of a DaemonSet on 120 nodes
              simulate [--cluster embedded|real] SCENARIO.yaml...
                          play scenario files there and print their timelines and a JSON summary
                          (tools/scenarios/ holds a library; exit 0 when every one ends as it expects);
                          --cluster real: on a real control plane of its own (kwok nodes) instead
            """;

    static final String NO_TOOLS_TEXT = """
              demo, simulate
                          not in this artifact, which holds only the controller: they are the tools module's
                          (tools/target/quarkus-app/quarkus-run.jar; `./mvnw -Pdemo package` runs the demo)
            """;

    static final String COMMANDS_TEXT = """
              backtest --canary FILE --from TIME --to TIME [options]
                          replay a Canary's checks over a past window of a Prometheus (backtest --help)
              get NAME [-n NAMESPACE] [-w]   the Canary, its steps and last checks (-w: again at every change)
              list [-n NAMESPACE | -A]        the Canaries: phase, weight, message
              status | pause | resume | promote | abort | retry NAME [-n NAMESPACE] [--by WHO] [--wait DURATION]
                          act on one Canary through the kubeconfig and wait for the controller's answer
              help, --help, -h
                          this text
            """;

    /** The help of the controller's artifact, or of the tools' (which adds demo and simulate). */
    public static String help(boolean tools) {
        return USAGE_TEXT + (tools ? TOOLS_TEXT : NO_TOOLS_TEXT) + COMMANDS_TEXT;
    }

    private Launch() {
    }

    /** Where the process looks, so a test can say where it is. */
    public record Environment(Map<String, String> env, Map<String, String> properties, Path home) {

        /** This process's environment and system properties, and the home directory as the Kubernetes client finds it. */
        public static Environment current() {
            Map<String, String> properties = new HashMap<>();
            System.getProperties().forEach((k, v) -> properties.put(String.valueOf(k), String.valueOf(v)));
            if (System.getenv("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL") != null) {
                properties.put("kubernetes.master", System.getenv("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL"));
            }
            properties.computeIfAbsent("kubernetes.master",
                    k -> properties.get("quarkus.kubernetes-client.api-server-url"));
            String home = System.getenv("HOME");
            return new Environment(System.getenv(), properties,
                    home != null && !home.isBlank() && Files.isDirectory(Path.of(home))
                            ? Path.of(home)
                            : Path.of(System.getProperty("user.home")));
        }
    }

    /**
     * The exit code to end with now (after printing), or empty to go on and start what the command needs.
     * {@code tools} is whether this artifact holds the tools' commands (demo, simulate), which check their own
     * prerequisites.
     */
    public static OptionalInt preflight(List<String> args, Environment where, boolean tools, PrintStream out,
            PrintStream err) {
        if ("true".equals(where.properties().get(ARCHIVE_TRAINING))) {
            return OptionalInt.empty(); // Quarkus runs only the static init, then stops: nothing here to check
        }
        String command = args.isEmpty() ? null : args.get(0);
        if (command != null && HELP.contains(command)) {
            out.print(help(tools));
            return OptionalInt.of(OK);
        }
        if (command != null && TOOLS.contains(command) && !tools) {
            err.println("aegis-canary " + command + ": not in this artifact, which holds only the controller; the "
                    + "demo and simulate are the tools module's (`./mvnw -Pdemo package` runs the demo)");
            return OptionalInt.of(USAGE);
        }
        if (command != null && !TOOLS.contains(command) && !"backtest".equals(command)
                && !ControlCommand.COMMANDS.contains(command)) {
            err.println("aegis-canary: unknown command '" + command + "'; commands: (none) to run the controller, "
                    + (tools ? "demo, simulate, " : "")
                    + "backtest, get, list, status, pause, resume, promote, abort, retry (see --help)");
            return OptionalInt.of(USAGE);
        }
        if (command == null || ControlCommand.COMMANDS.contains(command)) {
            String missing = apiServerMissing(where);
            if (missing != null) {
                err.println("aegis-canary: " + missing);
                return OptionalInt.of(MISSING);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Null when a Kubernetes API server is configured somewhere the client looks; else the one line saying where it
     * looked: the kubernetes.master setting, in-cluster (the service account), $KUBECONFIG, ~/.kube/config.
     */
    static String apiServerMissing(Environment where) {
        if (where.properties().get("kubernetes.master") != null || where.env().get("KUBERNETES_MASTER") != null) {
            return null;
        }
        if (where.env().get("KUBERNETES_SERVICE_HOST") != null
                && Files.exists(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"))) {
            return null;
        }
        String kubeconfig = where.env().get("KUBECONFIG");
        if (kubeconfig != null && !kubeconfig.isBlank()) {
            for (String file : kubeconfig.split(File.pathSeparator)) {
                if (!file.isBlank() && Files.isRegularFile(Path.of(file))) {
                    return null;
                }
            }
            return "no Kubernetes API server: not in a cluster (no service account), KUBECONFIG names no file that "
                    + "exists (" + kubeconfig + "), and kubernetes.master is not set; `aegis-canary demo` runs on "
                    + "an embedded one";
        }
        Path home = where.home().resolve(".kube").resolve("config");
        if (Files.isRegularFile(home)) {
            return null;
        }
        return "no Kubernetes API server: not in a cluster (no service account), KUBECONFIG not set, no " + home
                + ", and kubernetes.master is not set; `aegis-canary demo` runs on an embedded one";
    }
}
