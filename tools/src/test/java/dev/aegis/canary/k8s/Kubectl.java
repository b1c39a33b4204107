package dev.aegis.canary.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.aegis.canary.Repo;

/** The built kubectl, as the admin of a {@link ControlPlane}: what a user types, and what it prints. */
public final class Kubectl {

    public record Result(int exitCode, String output) {
    }

    private Kubectl() {
    }

    /** Runs kubectl with args from the repository's root (deploy/, analysis-templates/ as a user names them), stdout
     * and stderr together; 60 s at most. */
    public static Result run(ControlPlane plane, String... args) {
        List<String> command = new ArrayList<>();
        command.add(plane.kubectl().toString());
        command.add("--kubeconfig=" + plane.adminKubeconfig());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(Repo.ROOT.toFile()).redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not end within 60 s");
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
