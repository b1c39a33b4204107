package dev.aegis.canary.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One controller as a Pod runs it: the packaged application (target/quarkus-app) in a JVM of its own, against a
 * {@link ProcessCluster}. It authenticates with a token of its name, which is also its host name (the leader
 * election identity). Its log goes to target/controllers/NAME.log.
 */
final class ControllerProcess implements AutoCloseable {

    static final Path APP = Path.of("target", "quarkus-app", "quarkus-run.jar");
    /** The native executable when the build made one (-Dnative); the JVM application otherwise. */
    static final String NATIVE = System.getProperty("native.image.path", "");

    final String name;
    final Path log;
    private final Process process;

    private ControllerProcess(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    /** @param settings configuration keys beyond what points it at the cluster (e.g. leader election on or off) */
    static ControllerProcess start(String name, ProcessCluster cluster, Map<String, String> settings) {
        Path app = NATIVE.isBlank() ? APP : Path.of(NATIVE);
        if (!Files.exists(app)) {
            throw new IllegalStateException(app + " is missing: these tests run after `./mvnw package`");
        }
        List<String> command = new ArrayList<>(NATIVE.isBlank()
                // C1 only and one GC thread: a test starts several, on build machines of two cores
                ? List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
                : List.of(NATIVE));
        Map<String, String> properties = new java.util.TreeMap<>(Map.of(
                "kubernetes.master", cluster.url(),
                "kubernetes.namespace", ProcessCluster.CONTROLLER_NAMESPACE,
                "kubernetes.auth.token", name,
                "quarkus.kubernetes-client.token", name,
                "kubernetes.auth.tryKubeConfig", "false",
                "kubernetes.auth.tryServiceAccount", "false",
                "kubernetes.http2.disable", "true",
                "aegis.prometheus.url", cluster.prometheus().url(),
                "aegis.reconcile.poll-interval", "300ms",
                "quarkus.http.port", "0"));
        properties.putAll(settings);
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        if (NATIVE.isBlank()) {
            command.addAll(List.of("-jar", APP.toString()));
        }
        try {
            Path log = Files.createDirectories(Path.of("target", "controllers")).resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("HOSTNAME", name);
            return new ControllerProcess(name, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The process id, to look at it from outside (jcmd, /proc). */
    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** As a node failure or an OOM kill would: SIGKILL, no shutdown hook runs. */
    void kill() {
        process.destroyForcibly();
        waitFor();
    }

    private void waitFor() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            waitFor();
        }
    }
}
