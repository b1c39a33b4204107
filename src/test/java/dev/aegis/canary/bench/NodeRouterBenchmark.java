package dev.aegis.canary.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;
import dev.aegis.canary.routing.NodeSelection;
import dev.aegis.canary.routing.NodeTrafficRouter;
import dev.aegis.canary.routing.NodeTrafficRouter.Fleet;
import dev.aegis.canary.workload.DaemonSetWorkloads;

/**
 * The nodes router on simulated fleets of 1,000 and 10,000 nodes in 3 zones, against fabric8's API server (CRUD,
 * in-process): for each step of a run and for the return of every node to the primary, the time until the step's
 * node set is labelled and the DaemonSets follow it, the API requests the router made, and the peak heap. The
 * DaemonSet controller is played instantly (pods ready at once), so the figures are the controller's own cost.
 *
 * <p>
 * Run: {@code ./mvnw -Pbench-nodes test} (or with {@code -Dbench.nodes=1000,10000 -Dbench.maxUnavailable=10%}).
 */
public final class NodeRouterBenchmark {

    static final String ZONE = "topology.kubernetes.io/zone";

    public static void main(String[] args) throws Exception {
        String[] sizes = System.getProperty("bench.nodes", "1000,10000").split(",");
        String maxUnavailable = System.getProperty("bench.maxUnavailable", "10%");
        System.out.println("nodes router benchmark: maxUnavailable " + maxUnavailable + ", spread over 3 zones, "
                + "JVM max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        for (String size : sizes) {
            run(Integer.parseInt(size.trim()), maxUnavailable);
        }
        System.exit(0);
    }

    static void run(int size, String maxUnavailable) throws IOException, InterruptedException {
        Map<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>> responses = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(
                new io.fabric8.mockwebserver.Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + server.getPort())
                .withNamespace("edge").withHttp2Disable(true).withRequestTimeout(60_000).build();
        AtomicLong requests = new AtomicLong();
        // The router's client counts its requests; the setup and the simulated DaemonSet controller use another.
        try (KubernetesClient routerClient = new KubernetesClientBuilder().withConfig(config)
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count", new Interceptor() {

                    @Override
                    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                        requests.incrementAndGet();
                    }
                })).build();
                KubernetesClient world = new KubernetesClientBuilder().withConfig(config).build()) {
            long setup = System.nanoTime();
            for (int i = 0; i < size; i++) {
                world.resource(new NodeBuilder().withNewMetadata().withName(String.format("edge-%05d", i))
                        .withLabels(Map.of("role", "edge", ZONE, "eu-west-1" + "abc".charAt(i % 3))).endMetadata()
                        .withNewSpec().endSpec()
                        .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
                        .endStatus().build()).create();
            }
            Canary canary = new Canary();
            canary.getMetadata().setName("river-proxy");
            canary.getMetadata().setNamespace("edge");
            canary.getMetadata().setUid("bench");
            String label = DaemonSetWorkloads.nodeLabel(canary);
            DaemonSet target = world.resource(new DaemonSetBuilder()
                    .withNewMetadata().withName("river-proxy").withNamespace("edge").endMetadata()
                    .withNewSpec()
                    .withNewSelector().withMatchLabels(Map.of("app", "river-proxy")).endSelector()
                    .withNewUpdateStrategy().withNewRollingUpdate().withMaxUnavailable(new IntOrString(maxUnavailable))
                    .endRollingUpdate().endUpdateStrategy()
                    .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "river-proxy")).endMetadata()
                    .withNewSpec().withNodeSelector(Map.of("role", "edge", label, DaemonSetWorkloads.CANARY))
                    .addNewContainer().withName("proxy").withImage("river-proxy:2").endContainer()
                    .endSpec().endTemplate().endSpec().build()).create();
            DaemonSet primary = world.resource(DaemonSetWorkloads.buildPrimary(canary, target, "rev1", label))
                    .create();
            SharedIndexInformer<Node> nodes = world.nodes().inform();
            System.out.printf("%n%,d nodes (set up in %.1f s)%n", size, (System.nanoTime() - setup) / 1e9);

            // The pure part of every reconcile: which nodes the fleet has, and their selection order.
            List<Node> cached = nodes.getStore().list();
            long[] took = new long[21];
            for (int i = 0; i < 30; i++) {
                NodeSelection.order(Fleet.of(target, label, cached).eligible(), "warm" + i, ZONE); // JIT warm-up
            }
            for (int i = 0; i < took.length; i++) {
                long t0 = System.nanoTime();
                Fleet fleet = Fleet.of(target, label, cached);
                NodeSelection.order(fleet.eligible(), "rev" + i, ZONE);
                took[i] = System.nanoTime() - t0;
            }
            java.util.Arrays.sort(took);
            System.out.printf("  eligibility and selection order of %,d nodes: %.1f ms (median of %d)%n", size,
                    took[took.length / 2] / 1e6, took.length);
            System.out.printf("  %-22s %8s %12s %9s %14s %14s%n", "step", "nodes", "time to set", "rounds",
                    "API requests", "peak heap MiB");

            NodeTrafficRouter router = new NodeTrafficRouter(new DaemonSetWorkloads(routerClient));
            List<TrafficIntent> intents = new ArrayList<>();
            for (int w : List.of(1, 10, 50, 100)) {
                intents.add(new TrafficIntent(TrafficIntent.Kind.SPLIT, w));
            }
            intents.add(new TrafficIntent(TrafficIntent.Kind.STABLE, 0));
            for (TrafficIntent intent : intents) {
                resetPeakHeap();
                long before = requests.get();
                long start = System.nanoTime();
                int rounds = 0;
                RouteStatus route;
                while (true) {
                    // what the informer caches hold now, as a reconcile would read them
                    target = world.resource(target).get();
                    primary = world.resource(primary).get();
                    Fleet fleet = Fleet.of(target, label, nodes.getStore().list());
                    route = router.apply(target, primary, fleet, label, intent, "rev2", ZONE);
                    if (route.reached()) {
                        break;
                    }
                    rounds++;
                    awaitLabels(nodes, label, route.canary(), size);
                    target = playDaemonSetController(world, target, route.canary());
                    primary = playDaemonSetController(world, primary, size - route.canary());
                }
                String step = intent.kind() == TrafficIntent.Kind.SPLIT ? intent.weight() + "%" : "back to primary";
                System.out.printf("  %-22s %8d %10.2f s %9d %14d %14d%n", step, route.canary(),
                        (System.nanoTime() - start) / 1e9, rounds, requests.get() - before, peakHeapMiB());
            }
            nodes.close();
        } finally {
            server.destroy();
        }
    }

    /** Waits until the node informer has seen the router's label changes. */
    static void awaitLabels(SharedIndexInformer<Node> nodes, String label, int canary, int size)
            throws InterruptedException {
        for (int i = 0; i < 2000; i++) {
            long labelled = nodes.getStore().list().stream().filter(n -> DaemonSetWorkloads.CANARY.equals(
                    n.getMetadata().getLabels().get(label))).count();
            if (labelled == canary) {
                return;
            }
            Thread.sleep(5);
        }
    }

    /** The DaemonSet controller, instantly: every node the DaemonSet should run on has a ready, updated pod. */
    static DaemonSet playDaemonSetController(KubernetesClient world, DaemonSet d, int nodes) {
        return world.resource(new DaemonSetBuilder(d).withStatus(new DaemonSetStatusBuilder()
                .withObservedGeneration(d.getMetadata().getGeneration())
                .withDesiredNumberScheduled(nodes).withCurrentNumberScheduled(nodes).withUpdatedNumberScheduled(nodes)
                .withNumberReady(nodes).withNumberAvailable(nodes).withNumberMisscheduled(0).build()).build())
                .updateStatus();
    }

    static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    static long peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / (1024 * 1024);
    }
}
