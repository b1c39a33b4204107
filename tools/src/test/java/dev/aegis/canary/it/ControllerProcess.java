package dev.aegis.canary.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.aegis.canary.Repo;

/**
 * One controller as a Pod runs it: the controller module's packaged application (controller/target/quarkus-app) in a JVM of its own, against a
 * {@link ProcessCluster}. It authenticates with a token of its name, which is also its host name (the leader
 * election identity). Its log goes to target/controllers/NAME.log.
 */
final class ControllerProcess implements AutoCloseable {

    static final Path APP = Repo.CONTROLLER_APP;
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
        if (!NATIVE.isBlank()) {
            return launch(name, connection(name, cluster), settings, Path.of(NATIVE), List.of(NATIVE), List.of(), null,
                    Map.of());
        }
        // C1 only and one GC thread: a test starts several, on build machines of two cores
        List<String> jvm = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
        return launch(name, connection(name, cluster), settings, APP, jvm, List.of("-jar", APP.toString()), null,
                Map.of());
    }

    /**
     * The JVM application on a JDK of choice with JVM options of choice (a benchmark comparing them), run as the image
     * runs it: from the application's directory, where the AppCDS archive Quarkus builds expects it (its class path
     * entries are relative).
     *
     * @param javaHome the JDK (or JRE) whose bin/java runs it
     * @param jvmOptions the JVM options, in place of the tests' own
     */
    static ControllerProcess start(String name, ProcessCluster cluster, Map<String, String> settings, Path javaHome,
            List<String> jvmOptions) {
        return start(name, cluster, settings, APP, javaHome, jvmOptions, Map.of());
    }

    /**
     * @param app the packaged application's quarkus-run.jar (the controller's, or the tools' to compare with)
     * @param environment variables beyond this process's (as a Pod's env sets them)
     */
    static ControllerProcess start(String name, ProcessCluster cluster, Map<String, String> settings, Path app,
            Path javaHome, List<String> jvmOptions, Map<String, String> environment) {
        return start(name, connection(name, cluster), settings, app, javaHome, jvmOptions, environment);
    }

    /**
     * As {@link #start(String, ProcessCluster, Map, Path, Path, List, Map)}, against any cluster.
     *
     * @param connection what points it at the cluster and its Prometheus, as configuration keys (e.g. a real control
     *     plane's address, CA and ServiceAccount token)
     */
    static ControllerProcess start(String name, Map<String, String> connection, Map<String, String> settings,
            Path app, Path javaHome, List<String> jvmOptions, Map<String, String> environment) {
        List<String> jvm = new ArrayList<>();
        jvm.add(javaHome.resolve("bin").resolve("java").toString());
        jvm.addAll(jvmOptions);
        return launch(name, connection, settings, app, jvm, List.of("-jar", app.getFileName().toString()),
                app.getParent(), environment);
    }

    /** The embedded cluster's address, a token of the controller's own name (how it counts requests), Prometheus. */
    static Map<String, String> connection(String name, ProcessCluster cluster) {
        return Map.of("kubernetes.master", cluster.url(),
                "kubernetes.namespace", ProcessCluster.CONTROLLER_NAMESPACE,
                "kubernetes.auth.token", name,
                "quarkus.kubernetes-client.token", name,
                "kubernetes.auth.tryKubeConfig", "false",
                "kubernetes.auth.tryServiceAccount", "false",
                "kubernetes.http2.disable", "true",
                "aegis.prometheus.url", cluster.prometheus().url());
    }

    /**
     * @param head the executable and its options, before the configuration keys
     * @param tail what follows the configuration keys
     * @param directory the working directory; null: this process's own
     */
    private static ControllerProcess launch(String name, Map<String, String> connection, Map<String, String> settings,
            Path app, List<String> head, List<String> tail, Path directory, Map<String, String> environment) {
        if (!Files.exists(app)) {
            throw new IllegalStateException(app + " is missing: these tests run after `./mvnw package`");
        }
        List<String> command = new ArrayList<>(head);
        Map<String, String> properties = new java.util.TreeMap<>(connection);
        properties.put("aegis.reconcile.poll-interval", "300ms");
        properties.put("quarkus.http.port", "0");
        properties.putAll(settings);
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(tail);
        try {
            Path log = Files.createDirectories(Path.of("target", "controllers")).resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            builder.environment().put("HOSTNAME", name);
            builder.environment().putAll(environment);
            return new ControllerProcess(name, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A free loopback port, for a controller's HTTP server (its /q/metrics) to listen on. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
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
        waitFor(Duration.ofSeconds(30));
    }

    /**
     * As Kubernetes stops a Pod: SIGTERM, and the shutdown hooks run; so does what a JVM does at exit (writing a CDS
     * archive or an AOT cache, which may take a while).
     *
     * @return the exit code
     */
    int stop(Duration timeout) {
        process.destroy();
        waitFor(timeout);
        return process.exitValue();
    }

    private void waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " did not stop within " + timeout.toSeconds() + " s");
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
            stop(Duration.ofSeconds(30));
        }
    }
}
