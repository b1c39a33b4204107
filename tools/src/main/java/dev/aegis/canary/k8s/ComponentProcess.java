package dev.aegis.canary.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One process of the control plane: its binary, its flags, its log file and a readiness probe. Subclasses own their
 * flags and ports; this type starts the process, waits for the probe (failing at once, with the log's tail, if the
 * process exits) and stops it (SIGTERM, then SIGKILL).
 */
abstract class ComponentProcess {

    /** For the probes of loopback health endpoints only: their serving certificates are self-signed. */
    private static final HttpClient PROBE = probeClient();

    final String name;
    final Path log;
    private Process process;

    ComponentProcess(String name, Path logs) {
        this.name = name;
        this.log = logs.resolve(name + ".log");
    }

    /** The executable and its flags. */
    abstract List<String> command();

    /** True once the component serves. */
    abstract boolean ready();

    Duration readyTimeout() {
        return Duration.ofSeconds(60);
    }

    void start() {
        List<String> command = new ArrayList<>(command());
        Path binary = Path.of(command.get(0));
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(name + ": the binary " + binary + " is missing (or not executable); "
                    + "tools/controlplane/build.sh builds it (./mvnw verify runs it)");
        }
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " did not start", e);
        }
    }

    void awaitReady() {
        try {
            Awaitility.await(name + " ready").atMost(readyTimeout()).pollInterval(Duration.ofMillis(100))
                    .until(() -> !process.isAlive() || probe());
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(name + " not ready within " + readyTimeout().toSeconds() + " s; "
                    + "its log " + log + " ends with:\n" + tail(), e);
        }
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; its log " + log
                    + " ends with:\n" + tail());
        }
    }

    /** SIGTERM, SIGKILL after 15 s. */
    void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** True if GET url answers 200 (https: any certificate; these are loopback health endpoints). */
    static boolean answers200(String url) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build();
            return PROBE.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A free TCP port on 127.0.0.1. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpClient probeClient() {
        TrustManager trustAll = new X509TrustManager() {

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[]{trustAll}, null);
            // HTTP/1.1: the JDK client and Go servers part with GOAWAY over HTTP/2
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                    .connectTimeout(Duration.ofSeconds(2)).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean probe() {
        try {
            return ready();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
