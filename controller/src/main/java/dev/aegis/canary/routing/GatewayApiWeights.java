package dev.aegis.canary.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRefBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.workload.JsonPatch;

/**
 * The {@code gateway-api} router's object: the HTTPRoute a Canary names. The controller owns the backendRefs of the
 * rules that send traffic to the Canary's Service (to {@code <svc>}, {@code <svc>-primary} or {@code <svc>-canary}):
 * they become {@code <svc>-primary} and {@code <svc>-canary} with the step's weights. Every other rule and field is
 * left as Git wrote it.
 */
@ApplicationScoped
public class GatewayApiWeights implements TrafficWeights {

    private final KubernetesClient client;

    public GatewayApiWeights(KubernetesClient client) {
        this.client = client;
    }

    static String routeName(Canary canary) {
        var traffic = canary.getSpec().getTraffic();
        return traffic == null || traffic.getGatewayAPI() == null || traffic.getGatewayAPI().getHttpRouteRef() == null
                ? null
                : traffic.getGatewayAPI().getHttpRouteRef().getName();
    }

    /** Null when the Canary names no route or no Service (then there is nothing of it to steer). */
    private HTTPRoute route(Canary canary) {
        if (routeName(canary) == null || canary.getSpec().getService() == null) {
            return null;
        }
        return client.resources(HTTPRoute.class).inNamespace(canary.getMetadata().getNamespace())
                .withName(routeName(canary)).get();
    }

    /** True for a backendRef to one of the Canary's Services (kind Service, same namespace). */
    static boolean ours(HTTPBackendRef ref, Canary canary) {
        List<String> names = CanaryServices.names(canary);
        boolean service = (ref.getKind() == null || "Service".equals(ref.getKind()))
                && (ref.getGroup() == null || ref.getGroup().isEmpty());
        boolean here = ref.getNamespace() == null || ref.getNamespace().equals(canary.getMetadata().getNamespace());
        return service && here && Set.copyOf(names).contains(ref.getName());
    }

    private static boolean steered(HTTPRouteRule rule, Canary canary) {
        return rule.getBackendRefs() != null && rule.getBackendRefs().stream().anyMatch(r -> ours(r, canary));
    }

    @Override
    public String problem(Canary canary) {
        String name = routeName(canary);
        if (name == null) {
            return "spec.traffic.gatewayAPI.httpRouteRef.name is required by the gateway-api router";
        }
        HTTPRoute route = route(canary);
        if (route == null) {
            return "spec.traffic.gatewayAPI.httpRouteRef: HTTPRoute '" + name + "' (gateway.networking.k8s.io/v1) "
                    + "not found in namespace " + canary.getMetadata().getNamespace()
                    + "; is the Gateway API installed?";
        }
        List<HTTPRouteRule> rules = route.getSpec() == null ? null : route.getSpec().getRules();
        if (rules == null || rules.stream().noneMatch(r -> steered(r, canary))) {
            return "spec.traffic.gatewayAPI.httpRouteRef: no rule of HTTPRoute '" + name + "' has a backendRef to "
                    + "Service " + CanaryServices.baseName(canary) + "; point a rule at it";
        }
        for (int i = 0; i < rules.size(); i++) {
            if (steered(rules.get(i), canary) && rules.get(i).getBackendRefs().stream().anyMatch(r -> !ours(r,
                    canary))) {
                return "spec.traffic.gatewayAPI.httpRouteRef: rule " + i + " of HTTPRoute '" + name + "' sends traffic "
                        + "to other backends besides Service " + CanaryServices.baseName(canary) + "; the "
                        + "gateway-api router needs rules that send only to it, to own their weights";
            }
        }
        return null;
    }

    @Override
    public int current(Canary canary) {
        HTTPRoute route = route(canary);
        if (route == null || route.getSpec() == null || route.getSpec().getRules() == null) {
            return 0;
        }
        String canaryName = CanaryServices.names(canary).get(2);
        for (HTTPRouteRule rule : route.getSpec().getRules()) {
            if (!steered(rule, canary)) {
                continue;
            }
            int all = 0;
            int toCanary = 0;
            for (HTTPBackendRef ref : rule.getBackendRefs()) {
                if (!ours(ref, canary)) {
                    continue;
                }
                int w = ref.getWeight() == null ? 1 : ref.getWeight(); // the Gateway API default weight is 1
                all += w;
                if (canaryName.equals(ref.getName())) {
                    toCanary += w;
                }
            }
            return all == 0 ? 0 : (int) Math.round(100.0 * toCanary / all);
        }
        return 0;
    }

    @Override
    public int set(Canary canary, int weight) {
        List<String> names = CanaryServices.names(canary);
        boolean written = rewrite(canary, (rule, model) -> {
            List<HTTPBackendRef> refs = new ArrayList<>();
            for (HTTPBackendRef ref : rule.getBackendRefs()) {
                if (!ours(ref, canary)) {
                    refs.add(ref); // a backend of someone else's on the same rule keeps its place and weight
                }
            }
            refs.add(new HTTPBackendRefBuilder(model).withName(names.get(1)).withWeight(100 - weight).build());
            refs.add(new HTTPBackendRefBuilder(model).withName(names.get(2)).withWeight(weight).build());
            return refs;
        });
        return written ? weight : 0;
    }

    /**
     * Canary deletion: the rules go back to one backendRef to {@code <svc>}, which selects the primary's pods and,
     * unlike {@code <svc>-canary}, stays.
     */
    @Override
    public void release(Canary canary) {
        rewrite(canary, (rule, model) -> List.of(new HTTPBackendRefBuilder(model)
                .withName(CanaryServices.baseName(canary)).withWeight(null).build()));
    }

    /**
     * Replaces the backendRefs of every rule that sends to the Canary's Service, in one patch of the route as read;
     * {@code model} is the rule's first ref to it, whose port and filters the new refs keep.
     *
     * @return false when there is no route to write
     */
    private boolean rewrite(Canary canary, BiFunction<HTTPRouteRule, HTTPBackendRef, List<HTTPBackendRef>> refs) {
        HTTPRoute route = route(canary);
        if (route == null || route.getSpec() == null || route.getSpec().getRules() == null) {
            return false;
        }
        // Rules are addressed by position: the patch applies only to the route as read. If someone moved a rule in
        // between, it is refused (409) and the next look reads the route again, rather than writing another rule.
        JsonPatch patch = JsonPatch.create().onVersion(route);
        List<HTTPRouteRule> rules = route.getSpec().getRules();
        for (int i = 0; i < rules.size(); i++) {
            HTTPRouteRule rule = rules.get(i);
            if (!steered(rule, canary)) {
                continue;
            }
            HTTPBackendRef model = rule.getBackendRefs().stream().filter(r -> ours(r, canary)).findFirst()
                    .orElseThrow();
            patch.set("/spec/rules/" + i + "/backendRefs", refs.apply(rule, model));
        }
        patch.applyTo(client, route);
        return true;
    }
}
