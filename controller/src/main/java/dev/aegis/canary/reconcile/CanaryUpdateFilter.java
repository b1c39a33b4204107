package dev.aegis.canary.reconcile;

import java.util.Objects;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.rollout.ManualRequest;

/**
 * Which changes of a Canary wake its reconciler: the spec (its generation), deletion, finalizers, and a person's
 * request annotation, which changes no generation. The controller's own status writes do not.
 */
public class CanaryUpdateFilter implements OnUpdateFilter<Canary> {

    @Override
    public boolean accept(Canary now, Canary before) {
        Long generation = now.getMetadata().getGeneration();
        return generation == null || !generation.equals(before.getMetadata().getGeneration())
                || (now.isMarkedForDeletion() && !before.isMarkedForDeletion())
                || !Objects.equals(now.getMetadata().getFinalizers(), before.getMetadata().getFinalizers())
                || (annotation(now, ManualRequest.ANNOTATION) != null
                        && (!annotation(now, ManualRequest.ANNOTATION).equals(annotation(before,
                                ManualRequest.ANNOTATION))
                                || !Objects.equals(annotation(now, ManualRequest.ID_ANNOTATION), annotation(before,
                                        ManualRequest.ID_ANNOTATION))));
    }

    private static String annotation(Canary c, String key) {
        return c.getMetadata().getAnnotations() == null ? null : c.getMetadata().getAnnotations().get(key);
    }
}
