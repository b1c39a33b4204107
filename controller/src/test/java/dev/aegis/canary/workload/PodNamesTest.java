package dev.aegis.canary.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class PodNamesTest {

    @Test
    void matchesExactlyThePodsOfTheReplicaSets() {
        Pattern p = Pattern.compile(PodNames.regexFor(List.of("podinfo-6d4cf56db6")));
        assertThat(p.matcher("podinfo-6d4cf56db6-x7k2p").matches()).isTrue();
        assertThat(p.matcher("podinfo-6d4cf56db6-x7k2pp").matches()).isFalse();
        assertThat(p.matcher("podinfo-primary-6d4cf56db6-x7k2p").matches()).isFalse();
        assertThat(p.matcher("podinfo-7f8c9d7b5-x7k2p").matches()).isFalse();
        assertThat(p.matcher("xpodinfo-6d4cf56db6-x7k2p").matches()).isFalse();
    }

    @Test
    void dotsInNamesAreLiteral() {
        Pattern p = Pattern.compile(PodNames.regexFor(List.of("api.v2-6d4cf56db6")));
        assertThat(p.matcher("api.v2-6d4cf56db6-x7k2p").matches()).isTrue();
        assertThat(p.matcher("apixv2-6d4cf56db6-x7k2p").matches()).isFalse();
    }

    @Test
    void longNamesAreCutAsTheApiServerCutsThem() {
        String name = "a-very-long-deployment-name-for-an-edge-proxy-fleet-7b6c4d2a9";
        Pattern p = Pattern.compile(PodNames.regexFor(List.of(name)));
        String podName = (name + "-").substring(0, 58) + "abcde";
        assertThat(p.matcher(podName).matches()).isTrue();
    }

    @Test
    void noReplicaSetMatchesNothing() {
        assertThat(PodNames.regexFor(List.of())).isEqualTo("^$");
        assertThat(Regexes.anyOf(List.of("b.x", "a"))).isEqualTo("^(a|b\\.x)$");
    }
}
