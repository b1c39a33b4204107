package dev.aegis.canary.sim;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
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
 * them through to the API server; it reads Deployments, DaemonSets and Nodes through informers. Nodes are API objects
 * the demo or a test creates; Deployment pods are spread over {@link Options#nodes()}. HTTPRoutes and Ingresses get
 * their routers' part played too ({@link RouterSimulation}), scraped at {@code /router/metrics}.
 */
public final class FleetSimulator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FleetSimulator.class);

    /**
     * @param requestsPerSecondPerPod traffic each ready pod serves
     * @param nodes node names Deployment pods are spread over
     * @param tick how often the simulated controllers run and counters advance
     * @param requestsPerSecondPerRoute traffic each HTTPRoute rule and each Ingress path takes
     */
    public record Options(double requestsPerSecondPerPod, List<String> nodes, Duration tick,
            double requestsPerSecondPerRoute) {

        public Options(double requestsPerSecondPerPod, List<String> nodes, Duration tick) {
            this(requestsPerSecondPerPod, nodes, tick, 200);
        }

        public static Options defaults() {
            return new Options(50, List.of("node-a", "node-b", "node-c"), Duration.ofMillis(100));
        }
    }

    private final Options options;
    private final HttpServer http;
    private final Map<String, VersionBehaviour> behaviours = new ConcurrentHashMap<>();
    private volatile VersionBehaviour defaultBehaviour = VersionBehaviour.healthy();
    private final List<ScrapeGap> scrapeGaps = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile SimCluster cluster;
    private DeploymentSimulation deploymentSimulation;
    private DaemonSetSimulation daemonSetSimulation;
    private StatefulSetSimulation statefulSetSimulation;
    private volatile RouterSimulation routerSimulation;
    private PodTraffic podTraffic;
    private SharedIndexInformer<Pod> realPods;
    private SharedIndexInformer<Deployment> deployments;
    private SharedIndexInformer<DaemonSet> daemonSets;
    private SharedIndexInformer<StatefulSet> statefulSets;
    private SharedIndexInformer<Pod> statefulSetPods;
    private SharedIndexInformer<Node> nodes;
    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<HTTPRoute> routes;
    private SharedIndexInformer<Ingress> ingresses;
    private ScheduledExecutorService loop;
    private long lastTickNanos;
    private long lastFailureLogNanos;

    private FleetSimulator(Options options) throws IOException {
        this.options = options;
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/sd", this::serveDiscovery);
        http.createContext("/pods/", this::servePodMetrics);
        http.createContext("/router/metrics", this::serveRouterMetrics);
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
        if (this.cluster != null) {
            return this;
        }
        this.cluster = new SimCluster(client, this::behaviourOf);
        this.deploymentSimulation = new DeploymentSimulation(cluster, options.nodes());
        this.daemonSetSimulation = new DaemonSetSimulation(cluster);
        this.statefulSetSimulation = new StatefulSetSimulation(cluster, options.nodes());
        this.routerSimulation = new RouterSimulation(cluster, options.requestsPerSecondPerRoute());
        this.deployments = client.apps().deployments().inAnyNamespace().inform();
        this.daemonSets = client.apps().daemonSets().inAnyNamespace().inform();
        this.statefulSets = client.apps().statefulSets().inAnyNamespace().inform();
        // A StatefulSet's pod that someone deletes (the canary controller rolling back) is made again.
        this.statefulSetPods = client.pods().inAnyNamespace().withLabel(StatefulSetSimulation.POD_NAME).inform(
                new ResourceEventHandler<Pod>() {

                    @Override
                    public void onAdd(Pod pod) {
                    }

                    @Override
                    public void onUpdate(Pod before, Pod now) {
                    }

                    @Override
                    public void onDelete(Pod pod, boolean unknownFinalState) {
                        statefulSetSimulation.deleted(pod.getMetadata().getUid());
                    }
                });
        this.nodes = client.nodes().inform();
        this.services = client.services().inAnyNamespace().inform();
        this.routes = client.resources(HTTPRoute.class).inAnyNamespace().inform();
        this.ingresses = client.network().v1().ingresses().inAnyNamespace().inform();
        startTicking("fleet-simulator");
        return this;
    }

    /**
     * Plays only the pods' traffic on a real cluster, whose controllers, scheduler and kubelets make and run the pods:
     * every pod the API server lists as Ready serves requests as its image's behaviour says, at its /metrics here.
     * Prometheus finds these pods through the API server itself ({@link PrometheusProcess#startKubernetes}). A
     * version's {@code readyAfter} and {@code neverReady} do not apply: the kubelets decide readiness.
     */
    public synchronized FleetSimulator observe(KubernetesClient client) {
        if (this.cluster != null) {
            return this;
        }
        this.cluster = new SimCluster(client, this::behaviourOf);
        this.podTraffic = new PodTraffic(cluster);
        this.realPods = client.pods().inAnyNamespace().inform();
        startTicking("fleet-traffic");
        return this;
    }

    private void startTicking(String threadName) {
        this.lastTickNanos = System.nanoTime();
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::tick, 0, options.tick().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The loopback address (host:port) where every pod's /metrics is served, at /pods/namespace/name/metrics. */
    public String metricsAddress() {
        return "127.0.0.1:" + http.getAddress().getPort();
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

    /** Counts pods that are gone too, so the figures only ever grow. */
    public Served served(String namespace, Predicate<String> podName) {
        return served(namespace, p -> podName.test(p.name), c -> c.retired, podName);
    }

    /** Requests served so far by the pods whose image matches, and how many of them failed. */
    public Served servedByImage(String namespace, Predicate<String> image) {
        return served(namespace, p -> image.test(p.image), c -> c.retiredByImage, image);
    }

    /**
     * @param retired what retired pods served, by namespace/key
     * @param retiredKey which keys (pod names or images) count
     */
    private Served served(String namespace, Predicate<SimPod> running,
            java.util.function.Function<SimCluster, Map<String, double[]>> retired, Predicate<String> retiredKey) {
        double requests = 0;
        double failures = 0;
        if (cluster == null) {
            return new Served(0, 0);
        }
        synchronized (lock) { // a pod moves from running to retired within a tick
            for (SimPod p : cluster.pods.values()) {
                if (p.namespace.equals(namespace) && running.test(p)) {
                    requests += p.metrics.requests();
                    failures += p.metrics.failures();
                }
            }
            String prefix = namespace + "/";
            for (Map.Entry<String, double[]> e : retired.apply(cluster).entrySet()) {
                if (e.getKey().startsWith(prefix) && retiredKey.test(e.getKey().substring(prefix.length()))) {
                    requests += e.getValue()[0];
                    failures += e.getValue()[1];
                }
            }
        }
        return new Served(requests, failures);
    }

    /**
     * Deletes a running pod, as an eviction would: it stops serving at once, and its ReplicaSet or DaemonSet makes a
     * new one on their next round. False when there is no such pod.
     */
    public boolean deletePod(String namespace, String name) {
        SimCluster c = cluster;
        if (c == null) {
            return false;
        }
        synchronized (lock) {
            SimPod pod = c.pods.get(SimCluster.key(namespace, name));
            if (pod != null) {
                c.deletePod(pod);
            }
            return pod != null;
        }
    }

    /** Scrapes of the namespace's pods whose name matches fail until then. */
    private record ScrapeGap(String namespace, Predicate<String> podName, long untilNanos) {
    }

    /**
     * For {@code length} from now, the /metrics of the namespace's pods whose name matches answer 503: Prometheus
     * records failed scrapes (up 0) and no samples, while the pods go on serving and counting, so their counters
     * have grown when scraping resumes.
     */
    public void failScrapes(String namespace, Predicate<String> podName, Duration length) {
        long now = System.nanoTime();
        scrapeGaps.removeIf(g -> g.untilNanos() <= now);
        scrapeGaps.add(new ScrapeGap(namespace, podName, now + length.toNanos()));
    }

    private boolean inScrapeGap(SimPod pod) {
        long now = System.nanoTime();
        return scrapeGaps.stream().anyMatch(g -> now < g.untilNanos() && g.namespace().equals(pod.namespace)
                && g.podName().test(pod.name));
    }

    /** A pod as the simulated kubelet runs it. */
    public record RunningPod(String name, String node, String image, boolean ready) {
    }

    /** The pods running in a namespace now, as the simulator holds them (no API request). */
    public List<RunningPod> pods(String namespace) {
        SimCluster c = cluster;
        if (c == null) {
            return List.of();
        }
        return c.pods.values().stream().filter(p -> p.namespace.equals(namespace))
                .map(p -> new RunningPod(p.name, p.node, p.image, p.ready)).toList();
    }

    private void tick() {
        try {
            synchronized (lock) {
                long now = System.nanoTime();
                double seconds = (now - lastTickNanos) / 1e9;
                lastTickNanos = now;
                if (podTraffic != null) {
                    podTraffic.reconcile(realPods.getStore().list());
                } else {
                    cluster.retryWrites();
                    deploymentSimulation.reconcile(deployments.getStore().list());
                    daemonSetSimulation.reconcile(daemonSets.getStore().list(), nodes.getStore().list());
                    statefulSetSimulation.reconcile(statefulSets.getStore().list());
                }
                for (SimPod p : cluster.pods.values()) {
                    if (p.ready) {
                        VersionBehaviour b = behaviourOf(p.image);
                        p.metrics.serve(options.requestsPerSecondPerPod() * b.trafficShare(), seconds, b);
                    }
                }
                if (routerSimulation != null) {
                    routerSimulation.serve(routes.getStore().list(), ingresses.getStore().list(),
                            services.getStore().list(), seconds);
                }
            }
        } catch (RuntimeException e) {
            // The API server may be going away (end of a test or the demo); the next tick tries again. A failure
            // that repeats would stall the whole fleet: said once every 10 s.
            long now = System.nanoTime();
            if (now - lastFailureLogNanos > 10_000_000_000L) {
                lastFailureLogNanos = now;
                LOG.warnf(e, "simulator tick failed");
            }
        }
    }

    private void serveDiscovery(HttpExchange exchange) throws IOException {
        ArrayNode groups = JsonNodeFactory.instance.arrayNode();
        String address = "127.0.0.1:" + http.getAddress().getPort();
        for (SimPod p : cluster == null ? List.<SimPod>of() : cluster.pods.values()) {
            ObjectNode group = groups.addObject();
            group.putArray("targets").add(address);
            group.putObject("labels")
                    .put("__metrics_path__", "/pods/" + p.namespace + "/" + p.name + "/metrics")
                    .put("namespace", p.namespace)
                    .put("pod", p.name)
                    .put("node", p.node);
        }
        if (cluster != null) {
            // The routers, as one more target: no namespace or pod label, so ingress-nginx's own namespace label
            // stays as it is.
            ObjectNode router = groups.addObject();
            router.putArray("targets").add(address);
            router.putObject("labels").put("__metrics_path__", "/router/metrics").put("component", "router");
        }
        respond(exchange, 200, "application/json", groups.toString());
    }

    private void serveRouterMetrics(HttpExchange exchange) throws IOException {
        RouterSimulation router = routerSimulation;
        respond(exchange, 200, "text/plain; version=0.0.4", router == null ? "" : router.exposition());
    }

    private void servePodMetrics(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        // /pods/<namespace>/<pod>/metrics
        SimPod pod = parts.length == 5 && cluster != null
                ? cluster.pods.get(SimCluster.key(parts[2], parts[3]))
                : null;
        if (pod == null) {
            respond(exchange, 404, "text/plain", "no such pod\n");
            return;
        }
        if (inScrapeGap(pod)) {
            respond(exchange, 503, "text/plain", "scrape gap (simulated)\n");
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
        for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[]{deployments, daemonSets, statefulSets,
                statefulSetPods, nodes, services, routes, ingresses, realPods}) {
            if (informer != null) {
                informer.close();
            }
        }
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }
}
