package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.Repo;
import dev.aegis.canary.api.Phase;

/**
 * {@code kubectl aegis}, installed as docs/operations.md says (a link to controller/src/main/bin/kubectl-aegis on the PATH), run
 * by the real kubectl against the real control plane: list, get, get --watch through a whole run, pause and resume.
 */
class RealKubectlPluginIT {

    @RegisterExtension
    static final RealController REAL = new RealController("controller-plugin");

    record Result(int exitCode, String output) {
    }

    /** The PATH a user has after the install step: a bin dir with the plugin's link, kubectl and java. */
    static Path userBin() throws IOException {
        Path bin = Files.createDirectories(ControlPlane.ROOT.resolve("work").resolve("user-bin"));
        Path link = bin.resolve("kubectl-aegis");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Repo.file("controller", "src", "main", "bin", "kubectl-aegis"));
        return bin;
    }

    static ProcessBuilder kubectl(Path userBin, String... args) {
        List<String> command = new ArrayList<>(List.of(REAL.plane.kubectl().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PATH", userBin + ":" + REAL.plane.kubectl().getParent() + ":"
                + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
        builder.environment().put("KUBECONFIG", REAL.plane.adminKubeconfig().toString());
        // the plugin runs the controller's artifact the build made (not the link's default, which is the same file)
        builder.environment().put("AEGIS_CANARY_JAR", Repo.CONTROLLER_APP.toString());
        return builder;
    }

    static Result run(Path userBin, String... args) {
        try {
            Process p = kubectl(userBin, args).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void listGetWatchPauseAndResumeThroughTheRealKubectl() throws Exception {
        Path bin = userBin();
        String ns = REAL.plane.newNamespace("plugin");
        String image = "registry.invalid/" + ns + "/podinfo:";
        CanaryRuns.applyTemplates(REAL.plane, ns);
        try (KubernetesClient client = REAL.plane.client()) {
            client.apps().deployments().inNamespace(ns).resource(RealDeploymentCanaryIT.podinfo(ns, image + "6.0.0"))
                    .create();
            CanaryRuns.apply(REAL.plane, RealDeploymentCanaryIT.canary(ns));
            CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, REAL.controller, Duration.ofSeconds(60));

            Result plugins = run(bin, "plugin", "list");
            assertThat(plugins.output()).as("kubectl finds the plugin").contains(bin.resolve("kubectl-aegis")
                    .toString());
            Result list = run(bin, "aegis", "list", "-A");
            assertThat(list.exitCode()).as(list.output()).isZero();
            assertThat(list.output()).containsPattern("(?m)^NAMESPACE +NAME +TARGET +PHASE +WEIGHT +MESSAGE$")
                    .containsPattern("(?m)^" + ns + " +podinfo +Deployment/podinfo +Ready +0% ");

            Process watch = kubectl(bin, "aegis", "get", "podinfo", "-n", ns, "--watch").start();
            List<String> seen = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(watch.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null;) {
                        seen.add(line);
                    }
                } catch (IOException e) {
                    // the process was stopped
                }
            }, "plugin-watch");
            reader.start();
            try {
                Awaitility.await("the first view").atMost(Duration.ofSeconds(30))
                        .until(() -> seen.contains("Phase:    Ready"));
                Kubectl.Result set = Kubectl.run(REAL.plane, "set", "image", "-n", ns, "deployment/podinfo",
                        "podinfo=" + image + "6.0.1");
                assertThat(set.exitCode()).as(set.output()).isZero();
                Awaitility.await("step 1 reached, as the watch shows it").atMost(Duration.ofSeconds(60))
                        .until(() -> seen.contains("1     25%     now: effective 25%, 1/4 pods"));

                Result paused = run(bin, "aegis", "pause", "podinfo", "-n", ns, "--by", "alice");
                assertThat(paused.exitCode()).as(paused.output()).isZero();
                Result got = run(bin, "aegis", "get", "podinfo", "-n", ns);
                assertThat(got.output()).contains("Phase:    Progressing (paused by alice)");
                Result resumed = run(bin, "aegis", "resume", "podinfo", "-n", ns, "--by", "alice");
                assertThat(resumed.exitCode()).as(resumed.output()).isZero();

                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Succeeded, REAL.controller,
                        Duration.ofSeconds(120));
                Awaitility.await("the watch shows the promotion").atMost(Duration.ofSeconds(30))
                        .until(() -> seen.contains("Phase:    Succeeded"));
                assertThat(seen).as("each step passed, as the watch drew it").contains("1     25%     passed",
                        "2     50%     passed", "3     100%    passed");
                assertThat(watch.isAlive()).as("the watch goes on until stopped").isTrue();
            } finally {
                watch.destroy();
                watch.waitFor(10, TimeUnit.SECONDS);
            }
        }
        Result missing = run(bin, "aegis", "get", "nothing-here", "-n", ns);
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.output().strip()).isEqualTo("Canary " + ns + "/nothing-here not found");
    }
}
