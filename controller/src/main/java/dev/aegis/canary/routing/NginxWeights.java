package dev.aegis.canary.routing;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.workload.JsonPatch;
import dev.aegis.canary.workload.Labels;
import dev.aegis.canary.workload.Ownership;

/**
 * The {@code nginx} router's object: {@code <ingress>-canary}, a copy of the Ingress a Canary names whose backends
 * point at {@code <svc>-canary}, with ingress-nginx's canary annotations. It exists while a canary takes traffic and
 * is deleted when the primary has it all. The Git-owned Ingress is never changed; its Service {@code <svc>} selects
 * the primary's pods under this router.
 */
@ApplicationScoped
public class NginxWeights implements TrafficWeights {

    public static final String CANARY = "nginx.ingress.kubernetes.io/canary";
    public static final String CANARY_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
    /** The class annotation older installations select Ingresses by; the copy must be seen by the same controller. */
    static final String INGRESS_CLASS = "kubernetes.io/ingress.class";

    private final KubernetesClient client;
    private final Ownership ownership;

    public NginxWeights(KubernetesClient client, Ownership ownership) {
        this.client = client;
        this.ownership = ownership;
    }

    static String ingressName(Canary canary) {
        var traffic = canary.getSpec().getTraffic();
        return traffic == null || traffic.getNginx() == null || traffic.getNginx().getIngressRef() == null
                ? null
                : traffic.getNginx().getIngressRef().getName();
    }

    private Ingress ingress(Canary canary, String name) {
        if (ingressName(canary) == null || canary.getSpec().getService() == null) {
            return null; // nothing named, nothing to steer
        }
        return client.network().v1().ingresses().inNamespace(canary.getMetadata().getNamespace()).withName(name)
                .get();
    }

    private static boolean pointsAtService(Ingress ingress, Canary canary) {
        String apex = CanaryServices.baseName(canary);
        if (ingress.getSpec() == null) {
            return false;
        }
        if (isApex(ingress.getSpec().getDefaultBackend(), apex)) {
            return true;
        }
        return ingress.getSpec().getRules() != null && ingress.getSpec().getRules().stream()
                .filter(r -> r.getHttp() != null && r.getHttp().getPaths() != null)
                .flatMap(r -> r.getHttp().getPaths().stream())
                .anyMatch(p -> isApex(p.getBackend(), apex));
    }

    private static boolean isApex(IngressBackend backend, String apex) {
        return backend != null && backend.getService() != null && apex.equals(backend.getService().getName());
    }

    @Override
    public String problem(Canary canary) {
        String name = ingressName(canary);
        if (name == null) {
            return "spec.traffic.nginx.ingressRef.name is required by the nginx router";
        }
        Ingress ingress = ingress(canary, name);
        if (ingress == null) {
            return "spec.traffic.nginx.ingressRef: Ingress '" + name + "' not found in namespace "
                    + canary.getMetadata().getNamespace();
        }
        if (!pointsAtService(ingress, canary)) {
            return "spec.traffic.nginx.ingressRef: Ingress '" + name + "' has no backend on Service "
                    + CanaryServices.baseName(canary) + "; point a path at it";
        }
        Ingress copy = ingress(canary, name + "-canary");
        if (copy != null && !Ownership.isOwnedBy(copy, canary)) {
            return "Ingress '" + name + "-canary' exists and was not created for this Canary; the nginx router "
                    + "needs that name";
        }
        var apex = client.services().inNamespace(canary.getMetadata().getNamespace())
                .withName(CanaryServices.baseName(canary)).get();
        if (apex != null && !Ownership.isOwnedBy(apex, canary)) {
            return "spec.service: Service '" + apex.getMetadata().getName() + "' is not the controller's; under "
                    + "the nginx router it must select only the primary's pods, so leave it to the controller "
                    + "(remove it from Git)";
        }
        return null;
    }

    @Override
    public int current(Canary canary) {
        return weightOf(ingress(canary, ingressName(canary) + "-canary"));
    }

    private static int weightOf(Ingress copy) {
        if (copy == null || copy.getMetadata().getAnnotations() == null) {
            return 0;
        }
        try {
            return Integer.parseInt(copy.getMetadata().getAnnotations().getOrDefault(CANARY_WEIGHT, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public int set(Canary canary, int weight) {
        String name = ingressName(canary) + "-canary";
        Ingress copy = ingress(canary, name);
        if (copy != null && !Ownership.isOwnedBy(copy, canary)) {
            return weightOf(copy); // someone else's: never written (the Canary is Invalid for it)
        }
        if (weight == 0) {
            if (copy != null) {
                ownership.delete(copy);
            }
            return 0;
        }
        if (copy == null) {
            Ingress git = ingress(canary, ingressName(canary));
            if (git == null) {
                return 0;
            }
            client.resource(canaryCopy(canary, git, name, weight)).create();
        } else {
            JsonPatch.create().annotation(copy, CANARY_WEIGHT, String.valueOf(weight)).applyTo(client, copy);
        }
        return weight;
    }

    /** The Git Ingress with its hosts, paths and class, sending the paths of the Canary's Service to the canary. */
    static Ingress canaryCopy(Canary canary, Ingress git, String name, int weight) {
        String apex = CanaryServices.baseName(canary);
        String canaryService = CanaryServices.names(canary).get(2);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (git.getMetadata().getAnnotations() != null
                && git.getMetadata().getAnnotations().get(INGRESS_CLASS) != null) {
            annotations.put(INGRESS_CLASS, git.getMetadata().getAnnotations().get(INGRESS_CLASS));
        }
        annotations.put(CANARY, "true");
        annotations.put(CANARY_WEIGHT, String.valueOf(weight));
        Ingress copy = new IngressBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(canary.getMetadata().getNamespace())
                .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.CANARY,
                        canary.getMetadata().getName()))
                .withAnnotations(annotations)
                .endMetadata()
                .withSpec(new io.fabric8.kubernetes.api.model.networking.v1.IngressSpecBuilder(git.getSpec())
                        .build())
                .build();
        // TLS stays with the Git Ingress: ingress-nginx takes it from the main Ingress of the host.
        copy.getSpec().setTls(null);
        if (isApex(copy.getSpec().getDefaultBackend(), apex)) {
            copy.getSpec().getDefaultBackend().getService().setName(canaryService);
        } else {
            copy.getSpec().setDefaultBackend(null); // someone else's catch-all is no part of the canary
        }
        if (copy.getSpec().getRules() != null) {
            for (IngressRule rule : copy.getSpec().getRules()) {
                if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
                    continue;
                }
                rule.getHttp().getPaths().removeIf(p -> !isApex(p.getBackend(), apex));
                for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                    path.getBackend().getService().setName(canaryService);
                }
            }
            copy.getSpec().getRules().removeIf(r -> r.getHttp() == null || r.getHttp().getPaths() == null
                    || r.getHttp().getPaths().isEmpty());
        }
        copy.getMetadata().setOwnerReferences(java.util.List.of(Ownership.ownerReference(canary)));
        return copy;
    }

    @Override
    public void release(Canary canary) {
        set(canary, 0);
    }
}
