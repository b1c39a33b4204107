package dev.aegis.canary.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;

/**
 * Plays the routers in front of Deployments: an Envoy-based Gateway API implementation (Cilium, Envoy Gateway) and
 * ingress-nginx. Each HTTPRoute rule and each Ingress path takes a steady request rate, split across backends by the
 * weights in effect (backendRef weights; a canary Ingress's {@code canary-weight}) and spread evenly over the ready
 * pods the backend Service selects, which answer as their version behaves. A backend with no ready pod answers 503,
 * as both routers do. The counters have the names and labels the real routers export, so the shipped envoy and
 * ingress-nginx templates read them unchanged; like the pods', they accrue without randomness.
 */
final class RouterSimulation {

    static final String CANARY = "nginx.ingress.kubernetes.io/canary";
    static final String CANARY_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
    /** Envoy's default histogram buckets, in milliseconds. */
    static final double[] ENVOY_BUCKETS_MS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

    private final SimCluster cluster;
    private final double requestsPerSecond;
    /** Counter and histogram series by metric name and label text, e.g. {@code {a="b"}}. */
    private final Map<String, Double> series = new TreeMap<>();

    RouterSimulation(SimCluster cluster, double requestsPerSecond) {
        this.cluster = cluster;
        this.requestsPerSecond = requestsPerSecond;
    }

    /** Serves {@code seconds} of traffic through every route and Ingress. */
    synchronized void serve(List<HTTPRoute> routes, List<Ingress> ingresses, List<Service> services, double seconds) {
        double requests = requestsPerSecond * seconds;
        for (HTTPRoute route : routes) {
            if (route.getSpec() == null || route.getSpec().getRules() == null) {
                continue;
            }
            for (HTTPRouteRule rule : route.getSpec().getRules()) {
                serveRule(route.getMetadata().getNamespace(), rule, services, requests);
            }
        }
        for (Ingress ingress : ingresses) {
            if (!isCanary(ingress) && ingress.getSpec() != null && ingress.getSpec().getRules() != null) {
                serveIngress(ingress, ingresses, services, requests);
            }
        }
    }

    private void serveRule(String namespace, HTTPRouteRule rule, List<Service> services, double requests) {
        List<HTTPBackendRef> refs = rule.getBackendRefs() == null ? List.of() : rule.getBackendRefs();
        double weights = refs.stream().mapToDouble(RouterSimulation::weight).sum();
        for (HTTPBackendRef ref : refs) {
            if (weights == 0 || weight(ref) == 0) {
                continue;
            }
            String ns = ref.getNamespace() == null ? namespace : ref.getNamespace();
            String cluster = ns + ":" + ref.getName() + ":" + ref.getPort(); // as Cilium names it
            Outcome o = answer(ns, ref.getName(), services, requests * weight(ref) / weights, ENVOY_BUCKETS_MS, 1000);
            add("envoy_cluster_upstream_rq", Map.of("envoy_cluster_name", cluster, "envoy_response_code", "200"),
                    o.ok());
            add("envoy_cluster_upstream_rq", Map.of("envoy_cluster_name", cluster, "envoy_response_code",
                    o.unavailable() ? "503" : "500"), o.failed());
            histogram("envoy_cluster_upstream_rq_time", Map.of("envoy_cluster_name", cluster), ENVOY_BUCKETS_MS, o);
        }
    }

    private static double weight(HTTPBackendRef ref) {
        return ref.getWeight() == null ? 1 : ref.getWeight();
    }

    private void serveIngress(Ingress main, List<Ingress> all, List<Service> services, double requests) {
        String namespace = main.getMetadata().getNamespace();
        for (IngressRule rule : main.getSpec().getRules()) {
            if (rule.getHttp() == null) {
                continue;
            }
            for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                IngressServiceBackend backend = path.getBackend().getService();
                if (backend == null) {
                    continue;
                }
                CanaryPath canary = canaryPath(all, namespace, rule.getHost(), path.getPath());
                double share = canary == null ? 0 : canary.weight();
                serveNginx(main, backend, "", services, requests * (1 - share / 100));
                if (canary != null) {
                    IngressServiceBackend to = canary.path().getBackend().getService();
                    serveNginx(main, to, namespace + "-" + to.getName() + "-" + port(to), services,
                            requests * share / 100);
                }
            }
        }
    }

    private void serveNginx(Ingress main, IngressServiceBackend backend, String canaryUpstream,
            List<Service> services, double requests) {
        String namespace = main.getMetadata().getNamespace();
        Outcome o = answer(namespace, backend.getName(), services, requests, PodMetrics.BUCKETS, 1);
        Map<String, String> labels = Map.of("namespace", namespace, "ingress", main.getMetadata().getName(),
                "service", backend.getName(), "canary", canaryUpstream);
        add("nginx_ingress_controller_requests", with(labels, "status", "200"), o.ok());
        add("nginx_ingress_controller_requests", with(labels, "status", o.unavailable() ? "503" : "500"), o.failed());
        histogram("nginx_ingress_controller_request_duration_seconds", labels, PodMetrics.BUCKETS, o);
    }

    private static String port(IngressServiceBackend backend) {
        return backend.getPort() == null
                ? ""
                : backend.getPort().getNumber() != null
                        ? String.valueOf(backend.getPort().getNumber())
                        : backend.getPort().getName();
    }

    private static boolean isCanary(Ingress ingress) {
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        return annotations != null && "true".equals(annotations.get(CANARY));
    }

    /** A canary Ingress's path for a host and path of the main one, as ingress-nginx pairs them. */
    private record CanaryPath(Ingress ingress, HTTPIngressPath path) {

        /** Its canary-weight, 0..100. */
        double weight() {
            try {
                return Math.max(0, Math.min(100, Double.parseDouble(ingress.getMetadata().getAnnotations()
                        .getOrDefault(CANARY_WEIGHT, "0"))));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    private static CanaryPath canaryPath(List<Ingress> all, String namespace, String host, String path) {
        for (Ingress i : all) {
            if (!isCanary(i) || !namespace.equals(i.getMetadata().getNamespace()) || i.getSpec() == null
                    || i.getSpec().getRules() == null) {
                continue;
            }
            for (IngressRule rule : i.getSpec().getRules()) {
                if (rule.getHttp() != null && Objects.equals(rule.getHost(), host)) {
                    for (HTTPIngressPath p : rule.getHttp().getPaths()) {
                        if (Objects.equals(p.getPath(), path) && p.getBackend().getService() != null) {
                            return new CanaryPath(i, p);
                        }
                    }
                }
            }
        }
        return null;
    }

    /**
     * How the requests sent to a Service end.
     *
     * @param buckets histogram bounds, in the unit of {@code perSecond} (1000: milliseconds, 1: seconds)
     */
    private Outcome answer(String namespace, String serviceName, List<Service> services, double requests,
            double[] buckets, double perSecond) {
        double[] counts = new double[buckets.length];
        if (requests <= 0) {
            return new Outcome(0, 0, false, counts, 0);
        }
        Service service = services.stream().filter(s -> namespace.equals(s.getMetadata().getNamespace())
                && serviceName.equals(s.getMetadata().getName())).findFirst().orElse(null);
        Map<String, String> selector = service == null || service.getSpec() == null
                ? null
                : service.getSpec().getSelector();
        List<SimPod> endpoints = new ArrayList<>();
        if (selector != null && !selector.isEmpty()) {
            for (SimPod p : cluster.pods.values()) {
                if (p.ready && p.namespace.equals(namespace) && p.labels.entrySet().containsAll(selector.entrySet())) {
                    endpoints.add(p);
                }
            }
        }
        if (endpoints.isEmpty()) {
            // Answered at once by the router: every bucket counts them.
            java.util.Arrays.fill(counts, requests);
            return new Outcome(0, requests, true, counts, 0);
        }
        double each = requests / endpoints.size();
        double failed = 0;
        double sum = 0;
        for (SimPod p : endpoints) {
            VersionBehaviour b = cluster.behaviourOf(p);
            failed += each * b.errorRatio();
            for (int i = 0; i < buckets.length; i++) {
                counts[i] += each * b.latencyCdf(buckets[i] / perSecond);
            }
            sum += each * b.meanLatencySeconds() * perSecond;
        }
        return new Outcome(requests - failed, failed, false, counts, sum);
    }

    /** Requests answered 2xx and 5xx; unavailable when no pod could take them (503). */
    private record Outcome(double ok, double failed, boolean unavailable, double[] buckets, double sum) {

        double count() {
            return ok + failed;
        }
    }

    private void histogram(String name, Map<String, String> labels, double[] bounds, Outcome o) {
        for (int i = 0; i < bounds.length; i++) {
            add(name + "_bucket", with(labels, "le", number(bounds[i])), o.buckets()[i]);
        }
        add(name + "_bucket", with(labels, "le", "+Inf"), o.count());
        add(name + "_sum", labels, o.sum());
        add(name + "_count", labels, o.count());
    }

    private static Map<String, String> with(Map<String, String> labels, String name, String value) {
        Map<String, String> out = new TreeMap<>(labels);
        out.put(name, value);
        return out;
    }

    private void add(String name, Map<String, String> labels, double value) {
        StringBuilder key = new StringBuilder(name).append('{');
        new TreeMap<>(labels).forEach((k, v) -> key.append(k).append("=\"").append(v).append("\","));
        key.setLength(key.length() - 1);
        key.append('}');
        series.merge(key.toString(), value, Double::sum);
    }

    /** The Prometheus text exposition of every series so far. */
    synchronized String exposition() {
        StringBuilder out = new StringBuilder(4096);
        String type = null;
        for (Map.Entry<String, Double> e : series.entrySet()) {
            String name = e.getKey().substring(0, e.getKey().indexOf('{'));
            String family = name.replaceAll("_(bucket|sum|count)$", "");
            if (!family.equals(type)) {
                type = family;
                out.append("# TYPE ").append(family)
                        .append(family.equals(name) ? " counter\n" : " histogram\n");
            }
            out.append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%.6f", e.getValue())).append('\n');
        }
        return out.toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
