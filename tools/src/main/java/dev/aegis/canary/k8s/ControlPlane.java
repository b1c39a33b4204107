package dev.aegis.canary.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.awaitility.Awaitility;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import dev.aegis.canary.sim.PrometheusProcess;

/**
 * A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
 * with three fake nodes (zones a, b, c), started in that order and stopped in reverse. One per test JVM
 * ({@link #shared()}), stopped at JVM exit; or one of its own for {@code simulate --cluster real} ({@link #start}).
 * The binaries come from one directory, the system property {@value #BIN_PROPERTY} (the Maven build sets it to what
 * tools/controlplane/build.sh built); kwok's Stage config is the kwok-stages.yaml build.sh writes beside that
 * directory. Certificates, kubeconfigs and etcd's data go to ROOT/work, every component's log and the audit log to
 * ROOT/logs (ROOT: target/controlplane for the tests).
 */
public final class ControlPlane implements AutoCloseable {

    public static final String BIN_PROPERTY = "controlplane.bin";
    /**
     * How long kwok's node leases last, in seconds (40, a kubelet's default, unless set): a benchmark of many thousand
     * nodes sets it longer, since each node renews its lease every quarter of it (10,000 nodes at 40 s: 1,000 writes
     * a second, more than this machine's API server and etcd do besides).
     */
    public static final String NODE_LEASE_PROPERTY = "controlplane.nodeLeaseSeconds";
    /**
     * kube-controller-manager's request rate to the API server, per second (its own default, 20 with bursts of 30,
     * unless set): the DaemonSet controller creates and deletes a fleet's pods one request at a time under it, so on
     * a thousand nodes it bounds each step. Clusters that large raise it; a benchmark sets it to show what is left.
     */
    public static final String CONTROLLER_MANAGER_QPS_PROPERTY = "controlplane.controllerManagerQps";
    /** The annotation kwok plays a node by: without it, nothing renews the node's status, as with a dead kubelet. */
    public static final String KWOK_NODE_ANNOTATION = Kwok.NODE_ANNOTATION;
    public static final Path ROOT = Path.of("target", "controlplane").toAbsolutePath();
    static final int NODES = 3;

    private static ControlPlane shared;

    private final Path bin;
    private final Path work;
    private final Path logs;
    private final Pki pki;
    private final List<ComponentProcess> started = new ArrayList<>();
    private KubeApiServer apiServer;
    private Duration startTime;

    private ControlPlane(Path bin, Path root) {
        this.bin = bin;
        this.work = root.resolve("work");
        this.logs = root.resolve("logs");
        this.pki = new Pki(work.resolve("pki"));
    }

    static int nodeLeaseSeconds() {
        return Integer.getInteger(NODE_LEASE_PROPERTY, 40);
    }

    /** The controller manager's QPS if set, else null: its own default. */
    static Integer controllerManagerQps() {
        return Integer.getInteger(CONTROLLER_MANAGER_QPS_PROPERTY);
    }

    /** The control plane of this JVM, started on first use. */
    public static synchronized ControlPlane shared() {
        if (shared == null) {
            ControlPlane plane = new ControlPlane(binDir(), ROOT);
            Runtime.getRuntime().addShutdownHook(new Thread(plane::stop, "controlplane-stop"));
            plane.start();
            shared = plane;
        }
        return shared;
    }

    /**
     * A control plane of its own from the binaries in bin (checked as {@link #binDir(Path)} does), with its files
     * under root; {@link #close()} stops it.
     */
    public static ControlPlane start(Path bin, Path root) {
        ControlPlane plane = new ControlPlane(binDir(bin), root.toAbsolutePath());
        plane.start();
        return plane;
    }

    /** The bin dir of the system property, with every binary in it: or an error naming what is missing. */
    public static Path binDir() {
        String setting = System.getProperty(BIN_PROPERTY);
        if (setting == null || setting.isBlank()) {
            throw new IllegalStateException("the system property " + BIN_PROPERTY + " is not set: it names the "
                    + "directory of the control plane binaries that tools/controlplane/build.sh builds "
                    + "(./mvnw verify runs it and sets the property)");
        }
        return binDir(Path.of(setting));
    }

    /** The dir, with every binary in it: or an error naming what is missing and the script that builds it. */
    public static Path binDir(Path dir) {
        List<String> missing = Stream.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                "kubectl", "kwok", "helm").filter(b -> !Files.isExecutable(dir.resolve(b))).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(dir + " lacks " + String.join(", ", missing)
                    + ": run tools/controlplane/build.sh (it needs Go >= 1.26.0 for a first build)");
        }
        return dir;
    }

    private void start() {
        long t0 = System.nanoTime();
        try {
            deleteTree(work.resolve("etcd"));
            Files.createDirectories(logs);
            Files.deleteIfExists(logs.resolve("audit.log"));
            Files.createDirectories(work.resolve("etcd"));
            Path stages = bin.toRealPath().getParent().resolve("kwok-stages.yaml");
            if (!Files.isRegularFile(stages)) {
                throw new IllegalStateException("kwok's Stage config " + stages
                        + " is missing: tools/controlplane/build.sh writes it");
            }
            Etcd etcd = new Etcd(bin, work.resolve("etcd"), logs);
            startAndAwait(etcd);
            apiServer = new KubeApiServer(bin, etcd, pki, work, logs);
            kubeconfig("admin", "aegis-admin", "system:masters");
            Path kcm = kubeconfig("kube-controller-manager", "system:kube-controller-manager");
            Path scheduler = kubeconfig("kube-scheduler", "system:kube-scheduler");
            Path kwok = kubeconfig("kwok", "kwok-controller", "system:masters");
            pki.client("prometheus", "prometheus"); // bound to the built-in view ClusterRole below
            startAndAwait(apiServer);
            ComponentProcess[] rest = {new KubeControllerManager(bin, kcm, pki, logs),
                    new KubeScheduler(bin, scheduler, logs), new Kwok(bin, stages, kwok, logs)};
            for (ComponentProcess p : rest) {
                p.start();
                started.add(p);
            }
            for (ComponentProcess p : rest) {
                p.awaitReady();
            }
            try (KubernetesClient client = client()) {
                for (int i = 0; i < NODES; i++) {
                    client.nodes().resource(fakeNode("kwok-node-" + i, Map.of("topology.kubernetes.io/zone",
                            "zone-" + (char) ('a' + i)))).create();
                }
                client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
                        .withName("prometheus-view").endMetadata().withNewRoleRef()
                        .withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("view")
                        .endRoleRef().addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                        .withName("prometheus").endSubject().build()).create();
                Awaitility.await("nodes Ready and the default ServiceAccount").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> client.nodes().list().getItems().stream()
                                .filter(n -> n.getStatus().getConditions().stream()
                                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
                                .count() == NODES
                                && client.serviceAccounts().inNamespace("default").withName("default").get() != null);
            }
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        startTime = Duration.ofNanos(System.nanoTime() - t0);
        System.err.printf("control plane ready in %.1f s at %s (logs in %s)%n", startTime.toMillis() / 1000.0,
                apiServer.url(), logs);
    }

    private void startAndAwait(ComponentProcess p) {
        p.start();
        started.add(p);
        p.awaitReady();
    }

    @Override
    public void close() {
        stop();
    }

    /** Stops every process, newest first. */
    synchronized void stop() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).stop();
        }
        started.clear();
    }

    /** How long {@link #shared()} took to start it (binaries cached). */
    public Duration startTime() {
        return startTime;
    }

    public String url() {
        return apiServer.url();
    }

    /** The admin's client config (group system:masters). */
    public Config adminConfig() {
        return Config.fromKubeconfig(null, read(adminKubeconfig()), adminKubeconfig().toString());
    }

    public KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(adminConfig()).build();
    }

    public Path adminKubeconfig() {
        return work.resolve("admin.kubeconfig");
    }

    /**
     * The Gateway API's standard-channel CRDs of the pinned release, which tools/controlplane/build.sh lays out beside
     * the binaries; not installed until a test asks ({@link Manifests#installGatewayApi}).
     */
    public Path gatewayApiCrds() {
        return besideBinaries("gateway-api", "gateway.networking.k8s.io_httproutes.yaml");
    }

    /** The Prometheus Operator's ServiceMonitor and PrometheusRule CRDs, laid out likewise. */
    public Path prometheusOperatorCrds() {
        return besideBinaries("prometheus-operator", "monitoring.coreos.com_prometheusrules.yaml");
    }

    private Path besideBinaries(String dirName, String file) {
        try {
            Path dir = bin.toRealPath().getParent().resolve(dirName);
            if (!Files.isRegularFile(dir.resolve(file))) {
                throw new IllegalStateException(dir + " lacks " + file + ": tools/controlplane/build.sh copies it "
                        + "from its module (tools/controlplane/" + dirName + "/go.mod)");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kubectl built with the control plane. */
    public Path kubectl() {
        return bin.resolve("kubectl");
    }

    public Path auditLog() {
        return apiServer.auditLog;
    }

    public Path caCert() {
        return pki.caCert();
    }

    /** A new namespace of a unique name starting with prefix. */
    public String newNamespace(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (KubernetesClient client = client()) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                    .create();
        }
        return name;
    }

    private Path kubeconfig(String name, String user, String... groups) throws IOException {
        pki.client(name, user, groups);
        Path file = work.resolve(name + ".kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: aegis
                  cluster:
                    server: %s
                    certificate-authority: %s
                users:
                - name: %s
                  user:
                    client-certificate: %s
                    client-key: %s
                contexts:
                - name: aegis
                  context: {cluster: aegis, user: %s}
                current-context: aegis
                """.formatted(apiServer.url(), pki.caCert(), user, pki.cert(name), pki.key(name), user));
        return file;
    }

    /**
     * Prometheus' way in: the API server and the client certificate of user {@code prometheus}, which may read (the
     * view ClusterRole) what kubernetes_sd_configs watches.
     */
    public PrometheusProcess.ApiServerAccess prometheusAccess() {
        return new PrometheusProcess.ApiServerAccess(url(), pki.caCert(), pki.cert("prometheus"),
                pki.key("prometheus"));
    }

    /** Adds a node kwok runs (Ready within a second or so), with these labels besides the usual ones. */
    public void addNode(String name, Map<String, String> labels) {
        try (KubernetesClient client = client()) {
            client.nodes().resource(fakeNode(name, labels)).create();
        }
    }

    public static io.fabric8.kubernetes.api.model.Node fakeNode(String name, Map<String, String> labels) {
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity("8"), "memory", new Quantity("32Gi"), "pods",
                new Quantity("110"));
        return new NodeBuilder().withNewMetadata().withName(name)
                .addToAnnotations(Kwok.NODE_ANNOTATION, "fake").addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
                .addToLabels("type", "kwok").addToLabels("kubernetes.io/arch", "amd64")
                .addToLabels("kubernetes.io/os", "linux").addToLabels("kubernetes.io/hostname", name)
                .addToLabels(labels).endMetadata()
                .withNewStatus().withAllocatable(capacity).withCapacity(capacity).withNewNodeInfo()
                .withArchitecture("amd64").withOperatingSystem("linux").withKubeletVersion("fake").endNodeInfo()
                .endStatus().build();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
