package dev.aegis.canary.workload;

import java.util.Objects;
import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;

/**
 * The primary's HorizontalPodAutoscaler ({@code autoscaling/v2}): a controller-owned twin of the one Git points at the
 * target (spec.autoscalerRef), scaling {@code <target>-primary} with the Git autoscaler's settings as they were when
 * its revision was promoted. The Git autoscaler keeps the target; it is idle while the target has no pods (an HPA
 * does not scale a workload at zero) and sizes the canary during a run.
 */
@ApplicationScoped
public class PrimaryAutoscalers {

    private final KubernetesClient client;

    public PrimaryAutoscalers(KubernetesClient client) {
        this.client = client;
    }

    public static String primaryName(String autoscaler) {
        return autoscaler + "-primary";
    }

    /** The Git autoscaler and the primary's, as they are now. */
    public record Pair(HorizontalPodAutoscaler git, HorizontalPodAutoscaler primary) {
    }

    /** Reads both (two GETs: autoscalers change their status every few seconds, so they are not watched). */
    public Pair get(Canary canary) {
        String namespace = canary.getMetadata().getNamespace();
        String name = canary.getSpec().getAutoscalerRef().getName();
        var hpas = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(namespace);
        return new Pair(hpas.withName(name).get(), hpas.withName(primaryName(name)).get());
    }

    /** Why spec.autoscalerRef cannot be used, or null. */
    public static String problem(Canary canary, Pair found) {
        String name = canary.getSpec().getAutoscalerRef().getName();
        String target = canary.getSpec().getTargetRef().getName();
        if (found.git() == null) {
            return "spec.autoscalerRef: HorizontalPodAutoscaler '" + name + "' (autoscaling/v2) not found in "
                    + "namespace " + canary.getMetadata().getNamespace();
        }
        var ref = found.git().getSpec() == null ? null : found.git().getSpec().getScaleTargetRef();
        if (ref == null || !"Deployment".equals(ref.getKind()) || !target.equals(ref.getName())) {
            return "spec.autoscalerRef: HorizontalPodAutoscaler '" + name + "' scales "
                    + (ref == null ? "nothing" : ref.getKind() + " '" + ref.getName() + "'")
                    + "; it must scale the target, Deployment '" + target + "'";
        }
        if (found.primary() != null && !Ownership.isOwnedBy(found.primary(), canary)) {
            return "HorizontalPodAutoscaler '" + primaryName(name) + "' exists and was not created for this Canary; "
                    + "the primary's autoscaler needs that name";
        }
        return null;
    }

    /**
     * Creates the primary's autoscaler, or gives it the Git autoscaler's settings.
     *
     * @param handOver whether the Git autoscaler's settings go to the primary now (first sight, promotion, or no
     *            other revision pending); asked only when they differ from the twin's, so it may read the world
     */
    public void ensure(Canary canary, Pair found, String primaryDeployment, BooleanSupplier handOver) {
        HorizontalPodAutoscalerSpec desired = twinSpec(found.git(), primaryDeployment);
        if (found.primary() == null) {
            client.resource(new HorizontalPodAutoscalerBuilder()
                    .withMetadata(Ownership.ownedMetadata(canary, found.git(), primaryName(
                            found.git().getMetadata().getName())))
                    .withSpec(desired)
                    .build()).create();
        } else if (!Objects.equals(found.primary().getSpec(), desired) && handOver.getAsBoolean()) {
            JsonPatch.create().set("/spec", desired).applyTo(client, found.primary());
        }
    }

    /** The Git autoscaler's spec, scaling the primary. */
    static HorizontalPodAutoscalerSpec twinSpec(HorizontalPodAutoscaler git, String primaryDeployment) {
        return new HorizontalPodAutoscalerSpecBuilder(git.getSpec())
                .editScaleTargetRef().withName(primaryDeployment).endScaleTargetRef()
                .build();
    }
}
