package dev.aegis.canary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The Prometheus 3.x the build makes (tools/prometheus/build.sh, linked where -Dprometheus.bin says): the one with
 * Kubernetes discovery the real-cluster tests scrape with, and the second major version, beside the one the other
 * tests find first (Debian's 2.42 on the build machines), on which the tests of the shipped templates and of the
 * backtest must reach the same verdicts.
 */
public final class CurrentPrometheus {

    private CurrentPrometheus() {
    }

    /** The 3.x binary; fails naming what is missing (the property, or the binary the build should have made). */
    public static Path binary() {
        String dir = System.getProperty("prometheus.bin");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("the system property prometheus.bin is not set: it names the directory "
                    + "of the Prometheus 3.x that tools/prometheus/build.sh builds (./mvnw verify sets it)");
        }
        Path binary = Path.of(dir, "prometheus");
        if (!Files.isExecutable(binary) || !Files.isExecutable(binary.resolveSibling("promtool"))) {
            throw new IllegalStateException(binary + " or its promtool is missing: tools/prometheus/build.sh "
                    + "builds them (./mvnw verify runs it before the tests)");
        }
        String version = version(binary);
        if (!version.startsWith("prometheus, version 3.")) {
            throw new IllegalStateException(binary + " is not Prometheus 3.x: " + version);
        }
        return binary;
    }

    /** The first line of {@code prometheus --version}. */
    public static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(binary + " --version did not end within 30 s");
            }
            return out.lines().findFirst().orElse("").strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
