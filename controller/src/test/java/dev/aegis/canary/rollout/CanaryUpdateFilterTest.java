package dev.aegis.canary.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.reconcile.CanaryUpdateFilter;

/** On a real API server an annotation changes no generation: the request must wake the controller all the same. */
class CanaryUpdateFilterTest {

    final CanaryUpdateFilter filter = new CanaryUpdateFilter();

    static Canary canary(long generation, Map<String, String> annotations) {
        Canary c = new Canary();
        c.getMetadata().setGeneration(generation);
        c.getMetadata().setAnnotations(annotations);
        return c;
    }

    @Test
    void aRequestOrASpecChangeWakesTheControllerItsOwnStatusWriteDoesNot() {
        Canary before = canary(3, Map.of());
        assertThat(filter.accept(canary(3, Map.of(ManualRequest.ANNOTATION, "promote")), before)).isTrue();
        assertThat(filter.accept(canary(4, Map.of()), before)).isTrue();
        Canary statusOnly = canary(3, Map.of());
        statusOnly.setStatus(new CanaryStatus());
        assertThat(filter.accept(statusOnly, before)).isFalse();
        assertThat(filter.accept(canary(3, Map.of()), canary(3, Map.of(ManualRequest.ANNOTATION, "promote"))))
                .as("the controller removing a request it acted on").isFalse();
        assertThat(filter.accept(canary(3, Map.of("team", "edge")), before)).isFalse();
        assertThat(filter.accept(canary(3, Map.of(ManualRequest.ANNOTATION, "promote", ManualRequest.ID_ANNOTATION,
                "b2")), canary(3, Map.of(ManualRequest.ANNOTATION, "promote", ManualRequest.ID_ANNOTATION, "a1"))))
                .as("the same request asked again by the CLI").isTrue();
    }
}
