package dev.aegis.canary.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SequentialPolicyTest {

    private static final SequentialPolicy NINETY_NINE = new SequentialPolicy(0.5, 99, 100, Duration.ofMinutes(1),
            Duration.ofMinutes(5));

    @Test
    void theFirstStepGetsHalfOfTheRunsErrorAndTheOthersShareTheRest() {
        // 4 steps, 2 metrics: 0.5% for step 1 (0.25% per metric), 0.5% / 3 for each later step.
        assertThat(NINETY_NINE.alphaPerTest(0, 4, 2)).isCloseTo(0.0025, within(1e-12));
        assertThat(NINETY_NINE.alphaPerTest(1, 4, 2)).isCloseTo(0.005 / 3 / 2, within(1e-12));
        assertThat(NINETY_NINE.alphaPerTest(3, 4, 2)).isCloseTo(0.005 / 3 / 2, within(1e-12));
    }

    @Test
    void theWholeRunKeepsTheConfidenceAsked() {
        for (int steps = 1; steps <= 10; steps++) {
            for (int metrics = 1; metrics <= 3; metrics++) {
                double spent = 0;
                for (int step = 0; step < steps; step++) {
                    spent += metrics * NINETY_NINE.alphaPerTest(step, steps, metrics);
                }
                assertThat(spent).as(steps + " steps, " + metrics + " metrics").isCloseTo(0.01, within(1e-12));
            }
        }
    }
}
