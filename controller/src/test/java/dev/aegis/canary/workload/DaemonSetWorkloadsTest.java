package dev.aegis.canary.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

/** The writes to the target DaemonSet, against an API server: what they leave on it. */
@EnableKubernetesMockClient(crud = true)
class DaemonSetWorkloadsTest {

    static final String LABEL = "canary.aegis.dev/edge.proxy";

    KubernetesClient client;
    DaemonSetWorkloads ops;

    @BeforeEach
    void open() {
        ops = new DaemonSetWorkloads(client);
    }

    @AfterEach
    void close() {
        ops.close();
    }

    @Test
    void aRestrictionWrittenTwiceFromOneReadLeavesOneTerm() {
        DaemonSet read = create();
        ops.restrictTarget(read, LABEL);
        // A look whose cache has not caught up with the first write decides the same again.
        assertThatThrownBy(() -> ops.restrictTarget(read, LABEL)).isInstanceOfSatisfying(
                KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

        DaemonSet now = now();
        assertThat(terms(now)).containsExactly(new NodeSelectorTermBuilder().addToMatchExpressions(
                DaemonSetWorkloads.onCanary(LABEL)).build());
        assertThat(DaemonSetWorkloads.isRestricted(now, LABEL)).isTrue();
        assertThat(DaemonSetWorkloads.hasOwnTerm(now, LABEL)).as("the term the controller takes off at deletion")
                .isTrue();
    }

    @Test
    void aRestrictionNeverReplacesTermsGitWroteAfterTheRead() {
        DaemonSet read = create();
        NodeSelectorTerm git = new NodeSelectorTermBuilder().addNewMatchExpression().withKey("role").withOperator("In")
                .withValues("edge").endMatchExpression().build();
        gitSets(git);

        assertThatThrownBy(() -> ops.restrictTarget(read, LABEL)).isInstanceOfSatisfying(
                KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

        DaemonSet now = now();
        assertThat(terms(now)).containsExactly(git);
        assertThat(DaemonSetWorkloads.restrictionProblem(now, LABEL)).as("what the next look tells the user")
                .contains("add {key: " + LABEL + ", operator: In, values: [canary]} to each of its nodeSelectorTerms");
    }

    @Test
    void aReleaseTakesTheTermOffEvenWhenTheCacheHasNotSeenItYet() {
        DaemonSet read = create();
        ops.restrictTarget(read, LABEL);
        // The Canary deleted at once: the cache still holds the target as it was before the restriction.
        ops.unrestrictTarget(read, LABEL);

        DaemonSet now = now();
        assertThat(now.getSpec().getTemplate().getSpec().getAffinity()).satisfiesAnyOf(a -> assertThat(a).isNull(),
                a -> assertThat(a.getNodeAffinity()).isNull(), a -> assertThat(a.getNodeAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution()).isNull());
        // (fabric8's mock keeps a key a merge patch nulls, with no value; a real API server drops it)
        assertThat(now.getSpec().getTemplate().getMetadata().getLabels().get(Labels.NODE_ROLLOUT))
                .as("the watch label gone too").isNull();
    }

    @Test
    void aReleaseLeavesATermGitWroteOnTheTarget() {
        DaemonSet read = create();
        NodeSelectorTerm git = new NodeSelectorTermBuilder().addToMatchExpressions(DaemonSetWorkloads.onCanary(LABEL))
                .addNewMatchExpression().withKey("role").withOperator("In").withValues("edge").endMatchExpression()
                .build();
        gitSets(git);
        ops.restrictTarget(client.resource(read).get(), LABEL); // the pod label only: Git's term restricts

        ops.unrestrictTarget(read, LABEL);

        DaemonSet now = now();
        assertThat(terms(now)).containsExactly(git);
        assertThat(now.getSpec().getTemplate().getMetadata().getLabels().get(Labels.NODE_ROLLOUT)).isNull();
    }

    private DaemonSet create() {
        return client.apps().daemonSets().inNamespace("edge").resource(new DaemonSetBuilder().withNewMetadata()
                .withName("proxy").endMetadata().withNewSpec().withNewSelector().withMatchLabels(Map.of("app",
                        "proxy"))
                .endSelector().withNewTemplate().withNewMetadata().withLabels(Map.of("app", "proxy"))
                .endMetadata().withNewSpec().addNewContainer().withName("proxy").withImage("proxy:1.0.0")
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
    }

    /** Git's apply: its own required node affinity terms on the target. */
    private void gitSets(NodeSelectorTerm term) {
        client.apps().daemonSets().inNamespace("edge").withName("proxy").edit(d -> new DaemonSetBuilder(d).editSpec()
                .editTemplate().editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution().withNodeSelectorTerms(term)
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec()
                .endTemplate().endSpec().build());
    }

    private DaemonSet now() {
        return client.apps().daemonSets().inNamespace("edge").withName("proxy").get();
    }

    private static List<NodeSelectorTerm> terms(DaemonSet d) {
        return d.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
    }
}
