package dev.aegis.canary.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplicaSplitTest {

    @ParameterizedTest(name = "{0}% of {1} pods: canary {2}, primary {3}, effective {4}%")
    @CsvSource({
            // weight, total, canary, primary, effective
            "1, 10, 1, 9, 10",
            "10, 10, 1, 9, 10",
            "50, 10, 5, 5, 50",
            "100, 10, 10, 0, 100",
            "1, 100, 1, 99, 1",
            "1, 118, 2, 116, 2",
            "10, 118, 12, 106, 10",
            "50, 3, 2, 1, 67",
            "99, 10, 10, 1, 91",
            // one pod: the primary keeps its pod until the last step, so 1% is half the traffic
            "1, 1, 1, 1, 50",
            "1, 2, 1, 1, 50",
            "100, 1, 1, 0, 100",
            "33, 7, 3, 4, 43",
            "0, 10, 0, 10, 0",
            // a workload scaled to zero still gets one canary pod to measure
            "10, 0, 1, 0, 100",
    })
    void canaryRunsTheCeilingOfItsShareAndAtLeastOnePod(int weight, int total, int canary, int primary,
            int effective) {
        ReplicaSplit split = ReplicaSplit.at(weight, total);
        assertThat(split.canary()).isEqualTo(canary);
        assertThat(split.primary()).isEqualTo(primary);
        assertThat(split.effectiveWeight()).isEqualTo(effective);
    }

    @ParameterizedTest
    @CsvSource({"-1, 10", "101, 10", "10, -1"})
    void rejectsImpossibleInput(int weight, int total) {
        assertThatThrownBy(() -> ReplicaSplit.at(weight, total)).isInstanceOf(IllegalArgumentException.class);
    }
}
