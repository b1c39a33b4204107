package dev.aegis.canary.it;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.demo.EmbeddedApiServer;
import dev.aegis.canary.demo.EmbeddedApiServer.Call;
import dev.aegis.canary.reconcile.ApiAccess;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * A cluster for controllers that run as processes of their own (the packaged application, as a Pod runs it): the
 * embedded API server, keeping every request with who made it, the fleet simulator and a real Prometheus. Each controller authenticates with a token of its own name, so a test can tell which one wrote what.
 */
final class ProcessCluster implements AutoCloseable {

    /** The controllers' own namespace, where the leader election Lease lives. */
    static final String CONTROLLER_NAMESPACE = "aegis-system";
    /** The token of the test's own client (the fixtures, the fleet simulator). */
    static final String TEST = "test";

    private final EmbeddedApiServer api;
    private final KubernetesClient client;
    private final FleetSimulator fleet;
    private final PrometheusProcess prometheus;

    private ProcessCluster(EmbeddedApiServer api, KubernetesClient client, FleetSimulator fleet,
            PrometheusProcess prometheus) {
        this.api = api;
        this.client = client;
        this.fleet = fleet;
        this.prometheus = prometheus;
    }

    /**
     * How the cluster runs.
     *
     * @param scrapeInterval how often Prometheus scrapes the pods (and refreshes their discovery)
     * @param fleetTick how often the simulated workload controllers and kubelets act
     */
    record Settings(Duration scrapeInterval, Duration fleetTick) {

        /** Rollouts of seconds, as the *IT tests run them. */
        static Settings defaults() {
            return new Settings(Duration.ofMillis(500), Duration.ofMillis(100));
        }
    }

    static ProcessCluster start() {
        return start(Settings.defaults());
    }

    static ProcessCluster start(Settings settings) {
        EmbeddedApiServer api = EmbeddedApiServer.start(true);
        KubernetesClient client = api.client(TEST, null);
        client.resource(new NamespaceBuilder().withNewMetadata().withName(CONTROLLER_NAMESPACE).endMetadata()
                .build()).create();
        FleetSimulator fleet = FleetSimulator.create(new FleetSimulator.Options(50, List.of("node-a", "node-b"),
                settings.fleetTick())).attach(client);
        PrometheusProcess prometheus = PrometheusProcess.start(fleet.serviceDiscoveryUrl(),
                settings.scrapeInterval());
        return new ProcessCluster(api, client, fleet, prometheus);
    }

    String url() {
        return api.url();
    }

    KubernetesClient client() {
        return client;
    }

    FleetSimulator fleet() {
        return fleet;
    }

    PrometheusProcess prometheus() {
        return prometheus;
    }

    /** How many requests whoever authenticated as {@code who} made so far (cheaper than {@link #calls}). */
    long requests(String who) {
        return api.count(who);
    }

    /** The requests made so far by whoever authenticated as {@code who}, that match. */
    List<Call> calls(String who, Predicate<Call> which) {
        return api.calls(c -> c.who().equals(who) && which.test(c));
    }

    /**
     * The requests a controller made that its ClusterRole and Role (ApiAccess, equal to deploy/) do not allow: none,
     * or the role lists less than the code uses.
     */
    List<String> beyondTheRole() {
        return api.calls(c -> !c.who().equals(TEST)).stream().map(c -> {
            Access a = Access.of(c);
            return a == null || a.allowed() ? null : c.who() + ": " + a + " (" + c.method() + " " + c.path() + ")";
        }).filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** What RBAC calls a request: its API group, resource (with subresource), verb and namespace. */
    record Access(String group, String resource, String verb, String namespace) {

        /** Null for what needs no rule (discovery, version). */
        static Access of(Call c) {
            String[] pathAndQuery = c.path().split("\\?", 2);
            boolean watch = pathAndQuery.length > 1 && pathAndQuery[1].contains("watch=true");
            List<String> parts = List.of(pathAndQuery[0].replaceFirst("^/", "").split("/"));
            List<String> rest;
            String group;
            if (parts.size() > 2 && parts.get(0).equals("api")) {
                group = "";
                rest = parts.subList(2, parts.size());
            } else if (parts.size() > 3 && parts.get(0).equals("apis")) {
                group = parts.get(1);
                rest = parts.subList(3, parts.size());
            } else {
                return null;
            }
            String namespace = null;
            if (rest.size() > 2 && rest.get(0).equals("namespaces")) {
                namespace = rest.get(1);
                rest = rest.subList(2, rest.size());
            }
            String resource = rest.get(0) + (rest.size() > 2 ? "/" + rest.get(2) : "");
            boolean named = rest.size() > 1;
            String verb = switch (c.method()) {
                case "GET" -> watch ? "watch" : named ? "get" : "list";
                case "POST" -> "create";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> named ? "delete" : "deletecollection";
                default -> c.method();
            };
            return new Access(group, resource, verb, namespace);
        }

        boolean allowed() {
            if (group.equals("authorization.k8s.io") && resource.equals("selfsubjectrulesreviews")) {
                return true; // every authenticated user may ask what they may do (system:basic-user)
            }
            boolean own = CONTROLLER_NAMESPACE.equals(namespace);
            return ApiAccess.RULES.stream().anyMatch(this::grants)
                    || own && ApiAccess.NAMESPACE_RULES.stream().anyMatch(this::grants);
        }

        private boolean grants(ApiAccess.Rule r) {
            return r.apiGroup().equals(group) && r.resource().equals(resource) && r.verbs().contains(verb);
        }
    }

    /** Who made requests so far (for failure messages). */
    java.util.Set<String> callers() {
        return new java.util.TreeSet<>(api.calls(c -> true).stream().map(Call::who).toList());
    }

    @Override
    public void close() {
        fleet.close();
        prometheus.close();
        client.close();
        api.close();
    }
}
