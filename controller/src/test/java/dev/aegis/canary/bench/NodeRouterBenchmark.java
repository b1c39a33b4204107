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
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
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
import dev.aegis.canary.reconcile.PrunedStore;
import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.routing.NodeMoves;
import dev.aegis.canary.routing.NodeTrafficRouter;
import dev.aegis.canary.routing.NodeTrafficRouter.Goal;
import dev.aegis.canary.routing.NodeView;
import dev.aegis.canary.workload.DaemonSetWorkloads;

/**
 * The nodes router on simulated fleets of 1,000 and 10,000 nodes in 3 zones, against fabric8's API server (CRUD,
 * in-process): for each step of a run and for the return of every node to the primary, the time until the step's
 * node set is labelled, the API requests the router made, and the peak heap; and what the node cache and a
 * reconcile's pure part cost. The DaemonSet controller is played instantly (a node runs its version's pod, ready, as
 * soon as its label changes), so the figures are the controller's own cost: with real pods, a step takes about
 * (nodes to move / maxUnavailable) × pod start-up time on top.
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
                world.resource(node(String.format("edge-%05d", i), "eu-west-1" + "abc".charAt(i % 3))).create();
            }
            Canary canary = new Canary();
            canary.getMetadata().setName("river-proxy");
            canary.getMetadata().setNamespace("edge");
            canary.getMetadata().setUid("bench");
            String label = DaemonSetWorkloads.nodeLabel(canary);
            DaemonSet target = new DaemonSetBuilder()
                    .withNewMetadata().withName("river-proxy").withNamespace("edge").endMetadata()
                    .withNewSpec()
                    .withNewSelector().withMatchLabels(Map.of("app", "river-proxy")).endSelector()
                    .withNewUpdateStrategy().withNewRollingUpdate().withMaxUnavailable(new IntOrString(maxUnavailable))
                    .endRollingUpdate().endUpdateStrategy()
                    .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "river-proxy")).endMetadata()
                    .withNewSpec().withNodeSelector(Map.of("role", "edge"))
                    .addNewContainer().withName("proxy").withImage("river-proxy:2").endContainer()
                    .endSpec().endTemplate().endSpec().build();
            System.out.printf("%n%,d nodes (set up in %.1f s)%n", size, (System.nanoTime() - setup) / 1e9);

            // What the node cache costs: the controller keeps a pruned copy of each node (no image list).
            long heapBefore = liveHeap();
            SharedIndexInformer<Node> nodes = world.nodes().runnableInformer(0).itemStore(PrunedStore.nodes());
            nodes.run();
            long pruned = liveHeap() - heapBefore;
            SharedIndexInformer<Node> full = world.nodes().inform();
            long whole = liveHeap() - heapBefore - pruned;
            full.close();
            System.out.printf("  node cache: %.1f MiB pruned as the controller keeps it (%.1f MiB whole)%n",
                    pruned / 1048576.0, whole / 1048576.0);

            // The pure part of every reconcile: the per-node view and the step's node set and moves.
            List<Node> cached = nodes.getStore().list();
            long[] took = new long[21];
            for (int i = 0; i < 30 + took.length; i++) {
                long t0 = System.nanoTime();
                List<NodeView> view = instantView(cached, target, label);
                NodeTrafficRouter.plan(view, Goal.split(50, "rev" + i, ZONE, true, null), size, null);
                if (i >= 30) { // the first 30 warm the JIT up
                    took[i - 30] = System.nanoTime() - t0;
                }
            }
            java.util.Arrays.sort(took);
            System.out.printf("  per-node view, node set and moves for 50%% of %,d nodes: %.1f ms (median of %d)%n",
                    size, took[took.length / 2] / 1e6, took.length);
            System.out.printf("  %-22s %8s %12s %9s %14s %14s%n", "step", "nodes", "time to set", "rounds",
                    "API requests", "peak heap MiB");

            NodeTrafficRouter router = new NodeTrafficRouter(new DaemonSetWorkloads(routerClient));
            int limit = NodeMoves.maxUnavailable(maxUnavailable, size);
            List<Goal> goals = new ArrayList<>();
            for (int w : List.of(1, 10, 50, 100)) {
                goals.add(Goal.split(w, "rev2", ZONE, true, null));
            }
            goals.add(Goal.primary());
            for (Goal goal : goals) {
                resetPeakHeap();
                long before = requests.get();
                long start = System.nanoTime();
                int rounds = 0;
                RouteStatus route;
                while (true) {
                    // what the informer caches hold now, as a reconcile would read them
                    List<Node> now = nodes.getStore().list();
                    route = router.apply(instantView(now, target, label), now, label, goal, limit, null);
                    if (route.reached()) {
                        break;
                    }
                    rounds++;
                    awaitLabels(nodes, label, route.canary(), size);
                }
                String step = goal.kind() == Goal.Kind.SPLIT ? goal.weight() + "%" : "back to primary";
                System.out.printf("  %-22s %8d %10.2f s %9d %14d %14d%n", step, route.canary(),
                        (System.nanoTime() - start) / 1e9, rounds, requests.get() - before, peakHeapMiB());
            }
            nodes.close();
        } finally {
            server.destroy();
        }
    }

    /** A Ready edge node as a kubelet reports it, with the image list real nodes carry. */
    static Node node(String name, String zone) {
        NodeBuilder node = new NodeBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("role", "edge", ZONE, zone, "kubernetes.io/hostname", name)).endMetadata()
                .withNewSpec().endSpec();
        var status = node.withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition();
        for (int i = 0; i < 40; i++) {
            status.addNewImage().withNames("registry.example.com/edge/image-" + i + "@sha256:"
                    + "0123456789abcdef".repeat(4), "registry.example.com/edge/image-" + i + ":v1.2." + i)
                    .withSizeBytes(50_000_000L + i).endImage();
        }
        return status.endStatus().build();
    }

    /** The per-node view with the DaemonSet controller played instantly: each node runs its version, ready. */
    static List<NodeView> instantView(List<Node> nodes, DaemonSet target, String label) {
        List<Pod> none = List.of();
        List<NodeView> view = DaemonSetWorkloads.view(nodes, none, none, target, null, label);
        return view.stream().map(n -> new NodeView(n.name(), n.labels(), n.created(), n.belongs(), n.up(),
                n.cordoned(), n.onCanary(), n.onCanary() ? NodeView.Pod.READY : NodeView.Pod.NONE,
                n.onCanary() ? NodeView.Pod.NONE : NodeView.Pod.READY)).toList();
    }

    static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
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
