package dev.aegis.canary.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        return exec(command, Map.of());
    }

    /** Runs the built kubectl where no cluster is needed ({@code kustomize}), from the repository's root. */
    public static Result offline(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ControlPlane.binDir().resolve("kubectl").toString());
        command.addAll(List.of(args));
        return exec(command, Map.of());
    }

    /** Runs a command from the repository's root with these environment variables added; 60 s at most. */
    static Result exec(List<String> command, Map<String, String> environment) {
        String name = Path.of(command.get(0)).getFileName() + " "
                + String.join(" ", command.subList(1, command.size()));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(Repo.ROOT.toFile())
                    .redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not end within 60 s");
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
