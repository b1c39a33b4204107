package dev.aegis.canary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the command line decides before anything starts: one line and an exit code, or go on. */
class LaunchTest {

    @TempDir
    Path home;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** As the controller's artifact (the image) decides. */
    OptionalInt run(Map<String, String> env, Map<String, String> properties, String... args) {
        return Launch.preflight(List.of(args), new Launch.Environment(env, properties, home), false,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    OptionalInt run(String... args) {
        return run(Map.of(), Map.of(), args);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsTheControllersCommandsAndWhereTheToolsAre() {
        for (String help : List.of("--help", "-h", "help")) {
            out.reset();
            assertThat(run(help)).hasValue(0);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: aegis-canary [COMMAND]")
                    .contains("(none)", "backtest --canary FILE",
                            "status | pause | resume | promote | abort | retry NAME [-n NAMESPACE]")
                    .contains("demo, simulate\n", "not in this artifact, which holds only the controller")
                    .doesNotContain("simulate [--cluster");
        }
        assertThat(err()).isEmpty();
    }

    @Test
    void theToolsHelpAddsDemoAndSimulate() {
        assertThat(Launch.help(true)).contains("(none)", "demo        the controller on an embedded Kubernetes API",
                "simulate [--cluster embedded|real] SCENARIO.yaml...", "backtest --canary FILE")
                .doesNotContain("not in this artifact");
    }

    @Test
    void theDemoAskedOfTheControllersArtifactIsOneLineNamingWhereItIs() {
        for (String tool : List.of("demo", "simulate")) {
            err.reset();
            assertThat(run(tool)).hasValue(2);
            assertThat(err()).isEqualTo("aegis-canary " + tool + ": not in this artifact, which holds only the "
                    + "controller; the demo and simulate are the tools module's (`./mvnw -Pdemo package` runs the "
                    + "demo)\n");
        }
    }

    @Test
    void anUnknownCommandIsOneLineAndExitTwo() {
        assertThat(run("deploy")).hasValue(2);
        assertThat(err()).isEqualTo("aegis-canary: unknown command 'deploy'; commands: (none) to run the "
                + "controller, backtest, get, list, status, pause, resume, promote, abort, retry (see --help)\n");
    }

    @Test
    void theControllerWithoutAnApiServerSaysWhereItLookedInOneLine() {
        assertThat(run()).hasValue(1);
        assertThat(err()).isEqualTo("aegis-canary: no Kubernetes API server: not in a cluster (no service account), "
                + "KUBECONFIG not set, no " + home.resolve(".kube/config") + ", and kubernetes.master is not set; "
                + "`aegis-canary demo` runs on an embedded one\n");
        err.reset();
        assertThat(run(Map.of("KUBECONFIG", "/nowhere/config"), Map.of(), "promote", "podinfo"))
                .hasValue(1);
        assertThat(err()).contains("KUBECONFIG names no file that exists (/nowhere/config)").hasLineCount(1);
    }

    @Test
    void aKubeconfigOrAMasterSettingLetsTheControllerStart() throws IOException {
        Path config = Files.writeString(home.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n");
        assertThat(run(Map.of("KUBECONFIG", config.toString()), Map.of())).isEmpty();
        assertThat(run(Map.of(), Map.of("kubernetes.master", "https://127.0.0.1:6443")))
                .isEmpty();
        Files.createDirectories(home.resolve(".kube"));
        Files.writeString(home.resolve(".kube/config"), "apiVersion: v1\nkind: Config\n");
        assertThat(run(Map.of(), Map.of(), "status", "podinfo")).isEmpty();
        assertThat(err()).isEmpty();
    }

    @Test
    void theBuildsClassArchiveRunGoesOnWithoutACluster() {
        assertThat(run(Map.of(), Map.of("quarkus.appcds.generate", "true"))).as("Quarkus stops after static init")
                .isEmpty();
        assertThat(err()).isEmpty();
        assertThat(run()).as("without it, no cluster is one line").hasValue(1);
    }

    @Test
    void backtestNeedsNoCluster() {
        assertThat(run("backtest", "--canary", "c.yaml")).isEmpty();
        assertThat(err()).isEmpty();
    }
}
