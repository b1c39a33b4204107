package dev.aegis.canary.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.CurrentPrometheus;
import dev.aegis.canary.k8s.ControlPlane;
import dev.aegis.canary.scenario.RealCluster;
import dev.aegis.canary.sim.FleetSimulator;

/**
 * Where a benchmark's controller process plays: the embedded API server ({@link ProcessCluster}, whose fleet simulator
 * plays the workload controllers and kubelets) or a real control plane ({@link RealCluster}: etcd, kube-apiserver,
 * the Kubernetes controllers and scheduler, kwok nodes; the simulator serves only the pods' traffic). The requests are
 * counted by the embedded server itself, or read from the real API server's audit log.
 */
interface BenchCluster extends AutoCloseable {

    KubernetesClient client();

    FleetSimulator fleet();

    String apiUrl();

    String prometheusUrl();

    /** What points a controller process of this name at the cluster and its Prometheus, as configuration keys. */
    Map<String, String> connection(String controller);

    /** The controller's requests so far, in order, each as "verb resource" ("discovery" where no rule applies). */
    List<String> controllerCalls();

    /** How many requests the controller made so far. */
    long controllerRequests();

    /** How many requests everybody else made so far: the test, the fleet simulator, and a real cluster's own. */
    long otherRequests();

    /** One line on what it is, for the report. */
    String describe();

    @Override
    void close();

    /** The embedded API server: the controller's token is its name, by which the server counts its requests. */
    static BenchCluster embedded(Duration scrape, Duration fleetTick, String controller) {
        ProcessCluster cluster = ProcessCluster.start(new ProcessCluster.Settings(scrape, fleetTick));
        return new BenchCluster() {

            @Override
            public KubernetesClient client() {
                return cluster.client();
            }

            @Override
            public FleetSimulator fleet() {
                return cluster.fleet();
            }

            @Override
            public String apiUrl() {
                return cluster.url();
            }

            @Override
            public String prometheusUrl() {
                return cluster.prometheus().url();
            }

            @Override
            public Map<String, String> connection(String name) {
                return ControllerProcess.connection(name, cluster);
            }

            @Override
            public List<String> controllerCalls() {
                return cluster.calls(controller, c -> true).stream().map(c -> {
                    ProcessCluster.Access a = ProcessCluster.Access.of(c);
                    return a == null ? "discovery" : a.verb() + " " + a.resource();
                }).toList();
            }

            @Override
            public long controllerRequests() {
                return cluster.requests(controller);
            }

            @Override
            public long otherRequests() {
                return cluster.requests(ProcessCluster.TEST);
            }

            @Override
            public String describe() {
                return "fabric8's API server in CRUD mode, the fleet simulator playing the workload controllers";
            }

            @Override
            public void close() {
                cluster.close();
            }
        };
    }

    /**
     * A real control plane of its own (tools/target/bench-cluster) with {@code nodes} kwok nodes of 110 pods each
     * beside its three; the controller runs as a ServiceAccount (cluster-admin, as simulate's does).
     */
    static BenchCluster real(Duration scrape, Duration trafficTick, int nodes) {
        Path root = Path.of("target", "bench-cluster").toAbsolutePath();
        RealCluster cluster = RealCluster.start(ControlPlane.binDir(), CurrentPrometheus.binary(), root, scrape,
                trafficTick);
        for (int i = 0; i < nodes; i++) {
            cluster.plane().addNode(String.format("bench-node-%03d", i), Map.of("topology.kubernetes.io/zone",
                    "zone-" + "abc".charAt(i % 3)));
        }
        AuditTail audit = new AuditTail(cluster.plane().auditLog(), "system:serviceaccount:aegis-system:aegis-canary");
        return new BenchCluster() {

            @Override
            public KubernetesClient client() {
                return cluster.client();
            }

            @Override
            public FleetSimulator fleet() {
                return cluster.fleet();
            }

            @Override
            public String apiUrl() {
                return cluster.plane().url();
            }

            @Override
            public String prometheusUrl() {
                return cluster.prometheus().url();
            }

            @Override
            public Map<String, String> connection(String name) {
                Map<String, String> settings = new LinkedHashMap<>(cluster.controllerSettings());
                // as deployed: the benchmark's own settings decide the rest
                settings.remove("aegis.leader-election.enabled");
                settings.remove("aegis.reconcile.poll-interval");
                settings.remove("quarkus.http.port");
                return settings;
            }

            @Override
            public List<String> controllerCalls() {
                return audit.read().controllerCalls();
            }

            @Override
            public long controllerRequests() {
                return audit.read().controllerCalls().size();
            }

            @Override
            public long otherRequests() {
                return audit.read().others();
            }

            @Override
            public String describe() {
                return String.format("a real control plane (kube-apiserver and etcd, the Kubernetes controllers and "
                        + "scheduler, %d kwok nodes; the simulator serves only the pods' traffic)", nodes + 3);
            }

            @Override
            public void close() {
                cluster.close();
            }
        };
    }

    /** The audit log read as it grows: the controller's requests in order, and how many others made. */
    final class AuditTail {

        /** What the log held by the last read. */
        record Counts(List<String> controllerCalls, long others) {
        }

        private final ObjectMapper json = new ObjectMapper();
        private final Path log;
        private final String user;
        private final List<String> calls = new ArrayList<>();
        private long others;
        private long offset;

        AuditTail(Path log, String user) {
            this.log = log;
            this.user = user;
        }

        /** Reads what was appended since the last read: each request once, when complete. */
        synchronized Counts read() {
            if (!Files.exists(log)) {
                return new Counts(List.copyOf(calls), others);
            }
            try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
                long end = file.length();
                byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, end - offset)];
                file.seek(offset);
                file.readFully(bytes);
                int lineStart = 0;
                for (int i = 0; i < bytes.length; i++) {
                    if (bytes[i] == '\n') {
                        count(json.readTree(new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8)));
                        lineStart = i + 1;
                    }
                }
                offset += lineStart; // a line still being written is read next time
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the audit log " + log, e);
            }
            return new Counts(List.copyOf(calls), others);
        }

        private void count(JsonNode event) {
            if (!"ResponseComplete".equals(event.path("stage").asText())) {
                return;
            }
            if (!user.equals(event.path("user").path("username").asText())) {
                others++;
                return;
            }
            JsonNode object = event.path("objectRef");
            String resource = object.path("resource").asText("");
            if (resource.isEmpty()) {
                calls.add("discovery");
                return;
            }
            String sub = object.path("subresource").asText("");
            calls.add(event.path("verb").asText() + " " + resource + (sub.isEmpty() ? "" : "/" + sub));
        }
    }
}
