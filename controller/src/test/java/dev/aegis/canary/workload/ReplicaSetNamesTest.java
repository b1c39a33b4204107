package dev.aegis.canary.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;

/** How often the ReplicaSets are LISTed: once per revision found, and rarely while the revision has none yet. */
class ReplicaSetNamesTest {

    final List<ReplicaSet> cluster = new ArrayList<>();
    final AtomicInteger lists = new AtomicInteger();
    final AtomicLong now = new AtomicLong();
    ReplicaSetNames names;

    @BeforeEach
    void setUp() {
        names = new ReplicaSetNames(d -> {
            lists.incrementAndGet();
            // the Deployment's own: <deployment>-<pod-template-hash>
            return cluster.stream().filter(rs -> rs.getMetadata().getName()
                    .substring(0, rs.getMetadata().getName().lastIndexOf('-')).equals(d.getMetadata().getName()))
                    .toList();
        }, now::get);
    }

    static PodTemplateSpec template(String image) {
        return new PodTemplateSpecBuilder().withNewMetadata().withLabels(Map.of("app", "podinfo")).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage(image).endContainer().endSpec().build();
    }

    static Deployment deployment(String name, String image, String resourceVersion) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace("ns").withUid("uid-" + name)
                .withResourceVersion(resourceVersion).endMetadata().withNewSpec().withTemplate(template(image))
                .endSpec().build();
    }

    /** As the Deployment controller makes it: the template, with the pod-template-hash label added. */
    static ReplicaSet replicaSet(String deployment, String image, String hash) {
        PodTemplateSpec t = new PodTemplateSpecBuilder(template(image)).editMetadata()
                .addToLabels(Labels.POD_TEMPLATE_HASH, hash).endMetadata().build();
        return new ReplicaSetBuilder().withNewMetadata().withName(deployment + "-" + hash)
                .addToLabels(Labels.POD_TEMPLATE_HASH, hash).endMetadata().withNewSpec().withTemplate(t).endSpec()
                .build();
    }

    @Test
    void theCanarysReplicaSetIsListedOncePerRevision() {
        cluster.add(replicaSet("podinfo", "v2", "6d4cf56db6"));
        Deployment target = deployment("podinfo", "v2", "10");
        String v2 = Revisions.of(template("v2"));

        for (int i = 0; i < 5; i++) {
            assertThat(names.canary("ns/podinfo", target, v2)).hasValueSatisfying(set -> {
                assertThat(set.name()).isEqualTo("podinfo-6d4cf56db6");
                assertThat(set.podHash()).isEqualTo("6d4cf56db6");
            });
        }
        assertThat(lists).hasValue(1);

        cluster.add(replicaSet("podinfo", "v3", "5f7b9c8d4e"));
        assertThat(names.canary("ns/podinfo", deployment("podinfo", "v3", "11"), Revisions.of(template("v3"))))
                .hasValueSatisfying(set -> assertThat(set.podHash()).isEqualTo("5f7b9c8d4e"));
        assertThat(lists).as("a new revision is looked up").hasValue(2);
    }

    @Test
    void aMissingReplicaSetIsLookedForAgainWhenTheDeploymentChangesOrAMinuteLater() {
        String v2 = Revisions.of(template("v2"));
        Deployment target = deployment("podinfo", "v2", "10");
        for (int i = 0; i < 10; i++) {
            now.addAndGet(5_000_000_000L); // a reconcile every 5 s
            assertThat(names.canary("ns/podinfo", target, v2)).isEmpty();
        }
        assertThat(lists).as("the Deployment unchanged for 50 s").hasValue(1);

        now.addAndGet(15_000_000_000L);
        assertThat(names.canary("ns/podinfo", target, v2)).isEmpty();
        assertThat(lists).as("a minute after the look that missed").hasValue(2);

        // the Deployment controller makes the ReplicaSet, then writes the Deployment
        cluster.add(replicaSet("podinfo", "v2", "6d4cf56db6"));
        assertThat(names.canary("ns/podinfo", target, v2)).as("not looked for before the Deployment changed")
                .isEmpty();
        assertThat(names.canary("ns/podinfo", deployment("podinfo", "v2", "12"), v2)).isPresent();
        assertThat(lists).hasValue(3);
    }

    @Test
    void thePrimarysReplicaSetsAreListedOnceItsTemplatesOneExists() {
        cluster.add(replicaSet("podinfo-primary", "v1", "7c9d8b6f5a"));
        Deployment primary = deployment("podinfo-primary", "v2", "20");
        assertThat(names.primary("ns/podinfo", primary)).containsExactly("podinfo-primary-7c9d8b6f5a");
        assertThat(names.primary("ns/podinfo", primary)).containsExactly("podinfo-primary-7c9d8b6f5a");
        assertThat(lists).as("v2's ReplicaSet not made yet, the Deployment unchanged").hasValue(1);

        cluster.add(0, replicaSet("podinfo-primary", "v2", "84b6d5c7f9"));
        Deployment written = deployment("podinfo-primary", "v2", "21");
        for (int i = 0; i < 3; i++) {
            assertThat(names.primary("ns/podinfo", written)).containsExactly("podinfo-primary-84b6d5c7f9",
                    "podinfo-primary-7c9d8b6f5a");
        }
        now.addAndGet(3_600_000_000_000L);
        assertThat(names.primary("ns/podinfo", deployment("podinfo-primary", "v2", "30")))
                .hasSize(2);
        assertThat(lists).as("found for its template: final").hasValue(2);
    }

    @Test
    void anotherDeploymentIsLookedUpAfreshEvenWithTheSameTemplate() {
        // Git renames the target (the Canary's targetRef follows), or the primary is made again
        cluster.add(replicaSet("podinfo", "v2", "6d4cf56db6"));
        cluster.add(replicaSet("podinfo-primary", "v2", "84b6d5c7f9"));
        String v2 = Revisions.of(template("v2"));
        names.canary("ns/podinfo", deployment("podinfo", "v2", "10"), v2);
        names.primary("ns/podinfo", deployment("podinfo-primary", "v2", "20"));
        cluster.add(replicaSet("web", "v2", "5f7b9c8d4e"));
        cluster.add(replicaSet("web-primary", "v2", "7c9d8b6f5a"));

        assertThat(names.canary("ns/podinfo", deployment("web", "v2", "30"), v2))
                .hasValueSatisfying(set -> assertThat(set.name()).isEqualTo("web-5f7b9c8d4e"));
        assertThat(names.primary("ns/podinfo", deployment("web-primary", "v2", "31")))
                .containsExactly("web-primary-7c9d8b6f5a");
        assertThat(lists).hasValue(4);
    }

    @Test
    void aForgottenCanaryIsLookedUpAfresh() {
        cluster.add(replicaSet("podinfo", "v2", "6d4cf56db6"));
        Deployment target = deployment("podinfo", "v2", "10");
        String v2 = Revisions.of(template("v2"));
        names.canary("ns/podinfo", target, v2);
        names.forget("ns/podinfo");
        names.canary("ns/podinfo", target, v2);
        assertThat(lists).hasValue(2);
    }
}
