package dev.aegis.canary.sim;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Plays the cluster's part for the demo and the tests: the Deployment and ReplicaSet controllers and the kubelet
 * (ReplicaSets, Pods, readiness and statuses follow the Deployments' specs), and the pods themselves, which serve
 * {@code /metrics} on loopback with error ratios and latencies that depend on their version (container image).
 * Prometheus finds the pods through {@code /sd} (HTTP service discovery), labelled with namespace, pod and node as
 * Kubernetes service discovery would label them.
 *
 * <p>
 * The simulator is the only writer of ReplicaSets, Pods and workload statuses, so it keeps them in memory and writes
 * them through to the API server; it reads Deployments through an informer.
 */
public final class FleetSimulator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FleetSimulator.class);
    private static final String SAFE_CHARS = "bcdfghjklmnpqrstvwxz2456789";
    static final String POD_TEMPLATE_HASH = "pod-template-hash";
    static final String DEPLOYMENT_REVISION = "deployment.kubernetes.io/revision";

    /**
     * @param requestsPerSecondPerPod traffic each ready pod serves
     * @param nodes node names Deployment pods are spread over
     * @param tick how often the simulated controllers run and counters advance
     */
    public record Options(double requestsPerSecondPerPod, List<String> nodes, Duration tick) {

        public static Options defaults() {
            return new Options(50, List.of("node-a", "node-b", "node-c"), Duration.ofMillis(100));
        }
    }

    /** One simulated pod. */
    static final class SimPod {

        final String namespace;
        final String name;
        final String owner;
        final String node;
        final String image;
        final long createdAtMillis;
        final PodMetrics metrics = new PodMetrics();
        volatile boolean ready;
        Pod written;

        SimPod(String namespace, String name, String owner, String node, String image, long createdAtMillis) {
            this.namespace = namespace;
            this.name = name;
            this.owner = owner;
            this.node = node;
            this.image = image;
            this.createdAtMillis = createdAtMillis;
        }
    }

    /** One simulated ReplicaSet and its pods. */
    static final class SimReplicaSet {

        final String namespace;
        final String name;
        final String deploymentUid;
        final String hash;
        final long revision;
        final PodTemplateSpec template;
        final List<SimPod> pods = new ArrayList<>();
        int replicas;
        ReplicaSet written;

        SimReplicaSet(String namespace, String name, String deploymentUid, String hash, long revision,
                PodTemplateSpec template) {
            this.namespace = namespace;
            this.name = name;
            this.deploymentUid = deploymentUid;
            this.hash = hash;
            this.revision = revision;
            this.template = template;
        }

        int readyPods() {
            return (int) pods.stream().filter(p -> p.ready).count();
        }
    }

    private final Options options;
    private final HttpServer http;
    private final Map<String, VersionBehaviour> behaviours = new ConcurrentHashMap<>();
    private volatile VersionBehaviour defaultBehaviour = VersionBehaviour.healthy();
    private final Map<String, SimPod> podsByKey = new ConcurrentHashMap<>();
    private final Map<String, SimReplicaSet> replicaSets = new LinkedHashMap<>();
    private final Map<String, DeploymentStatus> writtenDeploymentStatus = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private volatile KubernetesClient client;
    private SharedIndexInformer<Deployment> deployments;
    private ScheduledExecutorService loop;
    private long lastTickNanos;
    private int nextNode;

    private FleetSimulator(Options options) throws IOException {
        this.options = options;
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/sd", this::serveDiscovery);
        http.createContext("/pods/", this::servePodMetrics);
        http.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "fleet-metrics");
            t.setDaemon(true);
            return t;
        }));
        http.start();
    }

    /** Starts the pods' HTTP side (service discovery and metrics); {@link #attach} starts the cluster side. */
    public static FleetSimulator create(Options options) {
        try {
            return new FleetSimulator(options);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the simulator's HTTP port on loopback", e);
        }
    }

    /** Prometheus HTTP service discovery URL listing every running pod. */
    public String serviceDiscoveryUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/sd";
    }

    /** Starts playing the cluster against this API server. */
    public synchronized FleetSimulator attach(KubernetesClient client) {
        if (this.client != null) {
            return this;
        }
        this.client = client;
        this.deployments = client.apps().deployments().inAnyNamespace().inform();
        this.lastTickNanos = System.nanoTime();
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleet-simulator");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::tick, 0, options.tick().toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** How pods running this image behave from now on. */
    public void setBehaviour(String image, VersionBehaviour behaviour) {
        behaviours.put(image, behaviour);
    }

    /** How pods of images without their own behaviour behave. */
    public void setDefaultBehaviour(VersionBehaviour behaviour) {
        this.defaultBehaviour = behaviour;
    }

    public VersionBehaviour behaviourOf(String image) {
        return behaviours.getOrDefault(image, defaultBehaviour);
    }

    /** Requests served so far by the pods whose name matches, and how many of them failed. */
    public record Served(double requests, double failures) {
    }

    public Served served(String namespace, Predicate<String> podName) {
        double requests = 0;
        double failures = 0;
        for (SimPod p : podsByKey.values()) {
            if (p.namespace.equals(namespace) && podName.test(p.name)) {
                requests += p.metrics.requests();
                failures += p.metrics.failures();
            }
        }
        return new Served(requests, failures);
    }

    private void tick() {
        try {
            synchronized (lock) {
                long now = System.nanoTime();
                double seconds = (now - lastTickNanos) / 1e9;
                lastTickNanos = now;
                reconcileDeployments();
                for (SimPod p : podsByKey.values()) {
                    if (p.ready) {
                        p.metrics.serve(options.requestsPerSecondPerPod(), seconds, behaviourOf(p.image));
                    }
                }
            }
        } catch (RuntimeException e) {
            // The API server may be going away (end of a test or the demo); the next tick tries again.
            LOG.debugf(e, "simulator tick failed");
        }
    }

    private void reconcileDeployments() {
        Map<String, Deployment> live = new LinkedHashMap<>();
        for (Deployment d : deployments.getStore().list()) {
            live.put(d.getMetadata().getUid(), d);
        }
        // Garbage collection: ReplicaSets (and their pods) of deleted Deployments go.
        for (SimReplicaSet rs : new ArrayList<>(replicaSets.values())) {
            if (!live.containsKey(rs.deploymentUid)) {
                rs.replicas = 0;
                syncPods(rs);
                deleteQuietly(rs.written);
                replicaSets.remove(key(rs.namespace, rs.name));
            }
        }
        for (Deployment d : live.values()) {
            reconcile(d);
        }
    }

    private void reconcile(Deployment d) {
        String namespace = d.getMetadata().getNamespace();
        String uid = d.getMetadata().getUid();
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        String hash = templateHash(d.getSpec().getTemplate());
        String name = d.getMetadata().getName() + "-" + hash;
        List<SimReplicaSet> owned = replicaSets.values().stream().filter(rs -> rs.deploymentUid.equals(uid)).toList();
        SimReplicaSet current = replicaSets.get(key(namespace, name));
        if (current == null) {
            long revision = owned.stream().mapToLong(rs -> rs.revision).max().orElse(0) + 1;
            current = new SimReplicaSet(namespace, name, uid, hash, revision, d.getSpec().getTemplate());
            replicaSets.put(key(namespace, name), current);
            annotateRevision(d, revision);
            owned = new ArrayList<>(owned);
            owned.add(current);
        }
        current.replicas = desired;
        int newReady = current.readyPods();
        // Old pods give way as new ones become ready, so the Deployment never runs short (maxUnavailable 0).
        int room = Math.max(0, desired - newReady);
        for (SimReplicaSet old : owned) {
            if (old != current) {
                old.replicas = Math.min(old.pods.size(), room);
                room -= old.replicas;
            }
        }
        int replicas = 0;
        int updated = 0;
        int ready = 0;
        for (SimReplicaSet rs : owned) {
            syncPods(rs);
            writeReplicaSet(d, rs);
            replicas += rs.pods.size();
            ready += rs.readyPods();
            if (rs == current) {
                updated = rs.pods.size();
            }
        }
        DeploymentStatus status = new DeploymentStatusBuilder()
                .withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas)
                .withUpdatedReplicas(updated)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withUnavailableReplicas(Math.max(0, replicas - ready))
                .build();
        if (!status.equals(writtenDeploymentStatus.get(uid))) {
            Deployment copy = new DeploymentBuilder(d).withStatus(status).build();
            try {
                client.resource(copy).updateStatus();
                writtenDeploymentStatus.put(uid, status);
            } catch (KubernetesClientException e) {
                LOG.debugf("status of Deployment %s/%s not written: %s", namespace, d.getMetadata().getName(),
                        e.getMessage());
            }
        }
    }

    private void annotateRevision(Deployment d, long revision) {
        ArrayNode patch = JsonNodeFactory.instance.arrayNode();
        if (d.getMetadata().getAnnotations() == null) {
            ObjectNode value = JsonNodeFactory.instance.objectNode().put(DEPLOYMENT_REVISION, String.valueOf(revision));
            patch.addObject().put("op", "add").put("path", "/metadata/annotations").set("value", value);
        } else {
            patch.addObject().put("op", "add").put("path", "/metadata/annotations/deployment.kubernetes.io~1revision")
                    .put("value", String.valueOf(revision));
        }
        client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName())
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON), patch.toString());
    }

    private void writeReplicaSet(Deployment d, SimReplicaSet rs) {
        PodTemplateSpec template = podTemplate(rs);
        Map<String, String> selector = new LinkedHashMap<>();
        LabelSelector dSelector = d.getSpec().getSelector();
        if (dSelector != null && dSelector.getMatchLabels() != null) {
            selector.putAll(dSelector.getMatchLabels());
        }
        selector.put(POD_TEMPLATE_HASH, rs.hash);
        int ready = rs.readyPods();
        ReplicaSet desired = new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(rs.name)
                .withNamespace(rs.namespace)
                .withLabels(template.getMetadata().getLabels())
                .withAnnotations(Map.of(DEPLOYMENT_REVISION, String.valueOf(rs.revision)))
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(d.getMetadata().getName()).withUid(rs.deploymentUid).withController(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .withReplicas(rs.replicas)
                .withSelector(new LabelSelectorBuilder().withMatchLabels(selector).build())
                .withTemplate(template)
                .endSpec()
                .withNewStatus()
                .withReplicas(rs.pods.size())
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withObservedGeneration(1L)
                .endStatus()
                .build();
        if (rs.written != null && Objects.equals(rs.written.getSpec(), desired.getSpec())
                && Objects.equals(rs.written.getStatus(), desired.getStatus())) {
            return;
        }
        try {
            rs.written = rs.written == null ? client.resource(desired).create() : client.resource(desired).update();
        } catch (KubernetesClientException e) {
            LOG.debugf("ReplicaSet %s/%s not written: %s", rs.namespace, rs.name, e.getMessage());
        }
    }

    private static PodTemplateSpec podTemplate(SimReplicaSet rs) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(rs.template).build();
        if (template.getMetadata() == null) {
            template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(POD_TEMPLATE_HASH, rs.hash);
        template.getMetadata().setLabels(labels);
        return template;
    }

    /** Creates and deletes pods until the ReplicaSet has its count, and makes pods ready when their time comes. */
    private void syncPods(SimReplicaSet rs) {
        long now = System.currentTimeMillis();
        while (rs.pods.size() < rs.replicas) {
            rs.pods.add(createPod(rs, now));
        }
        if (rs.pods.size() > rs.replicas) {
            // Not-ready pods go first, then the newest, as the ReplicaSet controller does.
            List<SimPod> order = new ArrayList<>(rs.pods);
            order.sort(Comparator.comparing((SimPod p) -> p.ready).thenComparing(p -> -p.createdAtMillis));
            for (SimPod p : order.subList(0, rs.pods.size() - rs.replicas)) {
                rs.pods.remove(p);
                podsByKey.remove(key(p.namespace, p.name));
                deleteQuietly(p.written);
            }
        }
        for (SimPod p : rs.pods) {
            VersionBehaviour behaviour = behaviourOf(p.image);
            boolean ready = behaviour.becomesReady() && now >= p.createdAtMillis + behaviour.readyAfter().toMillis();
            if (ready != p.ready) {
                p.ready = ready;
                writePodStatus(p);
            }
        }
    }

    private SimPod createPod(SimReplicaSet rs, long now) {
        PodTemplateSpec template = podTemplate(rs);
        String name = rs.name + "-" + randomSuffix();
        String node = options.nodes().get(nextNode++ % options.nodes().size());
        String image = template.getSpec().getContainers().isEmpty()
                ? ""
                : template.getSpec().getContainers().get(0).getImage();
        SimPod pod = new SimPod(rs.namespace, name, rs.name, node, image, now);
        Pod object = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(rs.namespace)
                .withLabels(template.getMetadata().getLabels())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
                        .withName(rs.name).withUid(rs.written == null ? "" : rs.written.getMetadata().getUid())
                        .withController(true).build())
                .endMetadata()
                .withSpec(template.getSpec())
                .editSpec().withNodeName(node).endSpec()
                .withNewStatus().withPhase("Running").withPodIP("127.0.0.1")
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("False").build())
                .endStatus()
                .build();
        try {
            pod.written = client.resource(object).create();
        } catch (KubernetesClientException e) {
            LOG.debugf("Pod %s/%s not written: %s", rs.namespace, name, e.getMessage());
            pod.written = object;
        }
        podsByKey.put(key(rs.namespace, name), pod);
        return pod;
    }

    private void writePodStatus(SimPod p) {
        if (p.written == null) {
            return;
        }
        Pod copy = new PodBuilder(p.written).editStatus()
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus(p.ready ? "True" : "False")
                        .build())
                .endStatus().build();
        try {
            p.written = client.resource(copy).updateStatus();
        } catch (KubernetesClientException e) {
            LOG.debugf("status of Pod %s/%s not written: %s", p.namespace, p.name, e.getMessage());
        }
    }

    private void deleteQuietly(io.fabric8.kubernetes.api.model.HasMetadata object) {
        if (object == null) {
            return;
        }
        try {
            client.resource(object).delete();
        } catch (KubernetesClientException e) {
            LOG.debugf("%s not deleted: %s", object.getMetadata().getName(), e.getMessage());
        }
    }

    /** The Deployment controller's hash: FNV-32a of the template, written in its safe alphabet. */
    static String templateHash(PodTemplateSpec template) {
        byte[] bytes = io.fabric8.kubernetes.client.utils.Serialization.asJson(template)
                .getBytes(StandardCharsets.UTF_8);
        int hash = 0x811c9dc5;
        for (byte b : bytes) {
            hash ^= (b & 0xff);
            hash *= 0x01000193;
        }
        String digits = Long.toString(Integer.toUnsignedLong(hash));
        StringBuilder out = new StringBuilder(digits.length());
        for (char c : digits.toCharArray()) {
            out.append(SAFE_CHARS.charAt(c % SAFE_CHARS.length()));
        }
        return out.toString();
    }

    private static String randomSuffix() {
        StringBuilder out = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            out.append(SAFE_CHARS.charAt(ThreadLocalRandom.current().nextInt(SAFE_CHARS.length())));
        }
        return out.toString();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    private void serveDiscovery(HttpExchange exchange) throws IOException {
        ArrayNode groups = JsonNodeFactory.instance.arrayNode();
        String address = "127.0.0.1:" + http.getAddress().getPort();
        for (SimPod p : podsByKey.values()) {
            ObjectNode group = groups.addObject();
            group.putArray("targets").add(address);
            group.putObject("labels")
                    .put("__metrics_path__", "/pods/" + p.namespace + "/" + p.name + "/metrics")
                    .put("namespace", p.namespace)
                    .put("pod", p.name)
                    .put("node", p.node);
        }
        respond(exchange, 200, "application/json", groups.toString());
    }

    private void servePodMetrics(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        // /pods/<namespace>/<pod>/metrics
        SimPod pod = parts.length == 5 ? podsByKey.get(key(parts[2], parts[3])) : null;
        if (pod == null) {
            respond(exchange, 404, "text/plain", "no such pod\n");
            return;
        }
        respond(exchange, 200, "text/plain; version=0.0.4", pod.metrics.exposition());
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.shutdownNow();
        }
        if (deployments != null) {
            deployments.close();
        }
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }
}
