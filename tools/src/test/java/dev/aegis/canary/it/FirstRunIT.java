package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.aegis.canary.Repo;

/**
 * The packaged jar as a newcomer first runs it, on a machine with no cluster and no Prometheus: every failure ends
 * the process at once, non-zero, with one clear line, and nothing floods the terminal; --help prints help.
 */
class FirstRunIT {

    static final Path APP = Repo.TOOLS_APP;

    @TempDir
    Path home;

    record Run(int exitCode, String stdout, String stderr) {

        List<String> lines() {
            List<String> lines = new ArrayList<>(stdout.lines().toList());
            lines.addAll(stderr.lines().toList());
            return lines;
        }
    }

    /** The tools' jar run from an empty directory, HOME empty, PATH without prometheus, no kubeconfig. */
    Run run(Map<String, String> env, String... args) throws Exception {
        return run(APP, env, args);
    }

    /** A packaged jar run from an empty directory, HOME empty, PATH without prometheus, no kubeconfig: 60 s at most. */
    Run run(Path app, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", app.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("KUBE") || k.startsWith("AEGIS_")
                || k.startsWith("QUARKUS_"));
        builder.environment().put("HOME", home.toString());
        builder.environment().put("PATH", "/usr/local/sbin:/nonexistent");
        builder.environment().put("AEGIS_CACHE", home.resolve("cache").toString());
        builder.environment().putAll(env);
        Path stdout = home.resolve("stdout");
        Path stderr = home.resolve("stderr");
        Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("aegis-canary " + String.join(" ", args) + " did not end within 60 s; stderr: "
                    + Files.readString(stderr));
        }
        return new Run(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheCommandsAndStartsNothing() throws Exception {
        Run help = run(Map.of(), "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).startsWith("usage: aegis-canary [COMMAND]").contains("demo", "simulate", "backtest",
                "status | pause | resume | promote | abort | retry");
        assertThat(help.stderr()).isEmpty();
    }

    @Test
    void theControllersArtifactHelpsWithItsOwnCommandsAndSaysWhereTheDemoIs() throws Exception {
        Run help = run(Repo.CONTROLLER_APP, Map.of(), "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).startsWith("usage: aegis-canary [COMMAND]").contains("backtest",
                "status | pause | resume | promote | abort | retry", "not in this artifact");
        Run demo = run(Repo.CONTROLLER_APP, Map.of(), "demo");
        assertThat(demo.exitCode()).isEqualTo(2);
        assertThat(demo.lines()).singleElement().asString().startsWith("aegis-canary demo: not in this artifact, "
                + "which holds only the controller");
        Run controller = run(Repo.CONTROLLER_APP, Map.of());
        assertThat(controller.exitCode()).isEqualTo(1);
        assertThat(controller.lines()).singleElement().asString().startsWith("aegis-canary: no Kubernetes API "
                + "server: not in a cluster");
    }

    @Test
    void theControllerWithNoClusterSaysSoInOneLine() throws Exception {
        Run controller = run(Map.of());
        assertThat(controller.exitCode()).isEqualTo(1);
        assertThat(controller.lines()).singleElement().asString().startsWith("aegis-canary: no Kubernetes API server: "
                + "not in a cluster").contains("KUBECONFIG not set", home.resolve(".kube/config").toString());
    }

    @Test
    void theDemoWithoutPrometheusStopsAtOnceNamingTheFix() throws Exception {
        Run demo = run(Map.of(), "demo");
        assertThat(demo.exitCode()).isEqualTo(1);
        assertThat(demo.lines()).singleElement().asString().startsWith("aegis-canary demo: Prometheus not found")
                .contains("sudo apt-get install -y prometheus");
    }

    @Test
    void aDemoWhosePrometheusFailsAfterTheEmbeddedApiStartedEndsWithOneLineNotAHangNorAFlood() throws Exception {
        Path broken = Files.writeString(home.resolve("prometheus"), "#!/bin/sh\necho 'cannot start' >&2\nexit 3\n");
        assertThat(broken.toFile().setExecutable(true)).isTrue();
        Run demo = run(Map.of("AEGIS_PROMETHEUS_BINARY", broken.toString()), "demo");
        assertThat(demo.exitCode()).isEqualTo(1);
        assertThat(demo.lines()).as("no DEBUG or TRACE lines").noneMatch(l -> l.contains("DEBUG") || l.contains(
                "TRACE"));
        assertThat(demo.stderr().lines()).anySatisfy(l -> assertThat(l).startsWith("aegis-canary demo: Prometheus "
                + "exited with 3").contains("cannot start"));
        assertThat(demo.lines()).as("a few lines at most: %s", demo).hasSizeLessThanOrEqualTo(3);
    }
}
