package dev.aegis.canary.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) on a free loopback port, scraping the fleet
 * simulator through HTTP service discovery. Used by the demo and the integration tests; it can be stopped and started
 * again on the same port and data directory, as an outage would.
 */
public final class PrometheusProcess implements AutoCloseable {

    /** Where to find the binary when it is not {@code prometheus} on the PATH. */
    public static final String BINARY_ENV = "AEGIS_PROMETHEUS_BINARY";

    private final Path binary;
    private final Path workDir;
    private final Path dataDir;
    private final int port;
    private Process process;
    /** Stops the server when the JVM exits without close(): a test that forgot it, simulate stopped with Ctrl-C. */
    private final Thread onExit = new Thread(this::stop, "prometheus-stop");

    private PrometheusProcess(Path binary, Path workDir, Path dataDir, int port) {
        this.binary = binary;
        this.workDir = workDir;
        this.dataDir = dataDir;
        this.port = port;
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /**
     * Starts Prometheus and waits until it is ready.
     *
     * @param discoveryUrl the HTTP service discovery URL of the pods to scrape
     * @param scrapeInterval how often to scrape (and refresh discovery)
     */
    public static PrometheusProcess start(String discoveryUrl, Duration scrapeInterval) {
        Path binary = findBinary();
        try {
            Path dir = Files.createTempDirectory("aegis-prometheus-");
            String interval = scrapeInterval.toMillis() + "ms";
            String timeout = Math.max(100, scrapeInterval.toMillis() * 9 / 10) + "ms";
            Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                    "global:",
                    "  scrape_interval: " + interval,
                    "  evaluation_interval: " + interval,
                    "scrape_configs:",
                    "  - job_name: fleet",
                    "    scrape_interval: " + interval,
                    "    scrape_timeout: " + timeout,
                    "    http_sd_configs:",
                    "      - url: " + discoveryUrl,
                    "        refresh_interval: " + interval,
                    ""));
            PrometheusProcess prometheus = new PrometheusProcess(binary, dir, dir.resolve("data"), freePort());
            prometheus.startProcess();
            return prometheus;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Prometheus' working directory", e);
        }
    }

    /** How Prometheus reaches a Kubernetes API server: its URL and the client certificate it presents. */
    public record ApiServerAccess(String url, Path caFile, Path certFile, Path keyFile) {
    }

    /**
     * Starts Prometheus finding the pods as it does in production: {@code kubernetes_sd_configs} (role pod) against
     * the API server, the usual relabelling to {@code namespace}, {@code pod} and {@code node}, only pods that are
     * Running; the scrape address is rewritten to where the simulator serves that pod's /metrics
     * ({@code metricsAddress}/pods/namespace/name/metrics), since the pods themselves serve nothing.
     */
    public static PrometheusProcess startKubernetes(Path binary, ApiServerAccess apiServer, String metricsAddress,
            Duration scrapeInterval) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: a Prometheus with Kubernetes service discovery is "
                    + "needed (tools/prometheus/build.sh builds one; Debian's has none)");
        }
        try {
            Path dir = Files.createTempDirectory("aegis-prometheus-");
            String interval = scrapeInterval.toMillis() + "ms";
            String timeout = Math.max(100, scrapeInterval.toMillis() * 9 / 10) + "ms";
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: %1$s
                      evaluation_interval: %1$s
                    scrape_configs:
                      - job_name: kubernetes-pods
                        scrape_interval: %1$s
                        scrape_timeout: %2$s
                        kubernetes_sd_configs:
                          - role: pod
                            api_server: %3$s
                            tls_config: {ca_file: %4$s, cert_file: %5$s, key_file: %6$s}
                        relabel_configs:
                          - source_labels: [__meta_kubernetes_pod_phase]
                            regex: Running
                            action: keep
                          - source_labels: [__meta_kubernetes_namespace]
                            target_label: namespace
                          - source_labels: [__meta_kubernetes_pod_name]
                            target_label: pod
                          - source_labels: [__meta_kubernetes_pod_node_name]
                            target_label: node
                          - source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_pod_name]
                            separator: /
                            target_label: __metrics_path__
                            replacement: /pods/$1/metrics
                          - target_label: __address__
                            replacement: %7$s
                    """.formatted(interval, timeout, apiServer.url(), apiServer.caFile(), apiServer.certFile(),
                    apiServer.keyFile(), metricsAddress));
            PrometheusProcess prometheus = new PrometheusProcess(binary, dir, dir.resolve("data"), freePort());
            prometheus.startProcess();
            return prometheus;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Prometheus' working directory", e);
        }
    }

    /**
     * Starts Prometheus on existing data and nothing to scrape: past series written with {@link #backfill}, for
     * tests and backtests of queries.
     */
    public static PrometheusProcess serving(Path dataDir) {
        return serving(findBinary(), dataDir);
    }

    /** As {@link #serving(Path)}, with a given prometheus binary (e.g. one of another major version). */
    public static PrometheusProcess serving(Path binary, Path dataDir) {
        try {
            Path dir = Files.createTempDirectory("aegis-prometheus-");
            Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1m\n");
            PrometheusProcess prometheus = new PrometheusProcess(binary, dir, dataDir, freePort());
            prometheus.startProcess();
            return prometheus;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Prometheus' working directory", e);
        }
    }

    /**
     * Writes series from an OpenMetrics text file into a Prometheus data directory as blocks, with the promtool
     * that comes with the prometheus binary.
     */
    public static void backfill(Path openMetrics, Path dataDir) {
        backfill(findBinary(), openMetrics, dataDir);
    }

    /** As {@link #backfill(Path, Path)}, with the promtool beside a given prometheus binary. */
    public static void backfill(Path binary, Path openMetrics, Path dataDir) {
        Path promtool = binary.resolveSibling("promtool");
        try {
            Process p = new ProcessBuilder(promtool.toString(), "tsdb", "create-blocks-from", "openmetrics",
                    openMetrics.toString(), dataDir.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("promtool could not backfill " + openMetrics + ": " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + promtool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backfilling", e);
        }
    }

    private static Path findBinary() {
        return locate().orElseThrow(() -> new IllegalStateException(NOT_FOUND));
    }

    /** The one line that says what is missing and the commands that fix it. */
    public static final String NOT_FOUND = "Prometheus not found: not on the PATH, not built in tools/target/prometheus "
            + "or ~/.cache/aegis-canary/prometheus; install Debian's (sudo apt-get install -y prometheus), or build "
            + "one with tools/prometheus/build.sh (needs Go 1.26+), or set " + BINARY_ENV + " to a prometheus binary";

    /**
     * Where the prometheus binary is: {@value #BINARY_ENV} if set, else {@code prometheus} on the PATH, else the one
     * tools/prometheus/build.sh built (linked at target/prometheus/bin, or the highest version in its cache).
     */
    public static Optional<Path> locate() {
        String configured = System.getenv(BINARY_ENV);
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "prometheus");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        for (Path linked : List.of(Path.of("target", "prometheus", "bin", "prometheus"),
                Path.of("tools", "target", "prometheus", "bin", "prometheus"))) { // from tools/ or the root
            if (Files.isExecutable(linked)) {
                return Optional.of(linked.toAbsolutePath());
            }
        }
        String cacheRoot = System.getenv("AEGIS_CACHE");
        Path cache = (cacheRoot == null || cacheRoot.isBlank()
                ? Path.of(System.getProperty("user.home"), ".cache", "aegis-canary")
                : Path.of(cacheRoot)).resolve("prometheus");
        try (Stream<Path> versions = Files.isDirectory(cache) ? Files.list(cache) : Stream.empty()) {
            return versions.map(v -> v.resolve("bin").resolve("prometheus")).filter(Files::isExecutable)
                    .max(Comparator.comparing(Path::toString));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Base URL, e.g. http://127.0.0.1:41234 */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server (its data stays), as an outage would. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Starts the server again on the same port with the same data. */
    public synchronized void restart() {
        if (!isRunning()) {
            startProcess();
        }
    }

    private synchronized void startProcess() {
        try {
            process = new ProcessBuilder(List.of(binary.toString(),
                    "--config.file=" + workDir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dataDir,
                    "--storage.tsdb.retention.time=3650d",
                    "--web.listen-address=127.0.0.1:" + port,
                    "--web.console.templates=" + workDir,
                    "--web.console.libraries=" + workDir,
                    "--log.level=warn"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("prometheus.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        awaitReady(Duration.ofSeconds(30));
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Prometheus exited with " + process.exitValue() + ": " + logTail());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(url() + "/-/ready").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(500);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Prometheus", e);
            }
        }
        throw new IllegalStateException("Prometheus not ready within " + timeout.toSeconds() + "s: " + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(workDir.resolve("prometheus.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs stop() again, which does nothing now
        }
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
